import { BlockList } from 'node:net';
/**
 * The deploy recipes, parsed and checked against the app they deploy: ports, probe
 * paths, variable names the config schema knows (and values it accepts), and the
 * shutdown timeline against the grace periods.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import t, { type Test } from 'tap';
import { parseAllDocuments, parse } from 'yaml';
import { EnvSchema, loadConfig, type Config } from '../../src/config.js';
import { APP_CERTIFICATE, APP_ID, build } from '../helper.js';

const DEPLOY = new URL('../../deploy/', import.meta.url);
const K8S = new URL('kubernetes/', DEPLOY);

/**
 * Variables the recipes set for work not merged on this branch yet. A name here must
 * still be a real future variable: remove it once the config schema knows it.
 */
// Kubernetes reads YAML 1.1 (0440 is octal there). Manifests are untyped trees here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed YAML of any shape; the assertions check it
type Doc = Record<string, any>;
const k8sDocs: { file: string; doc: Doc }[] = [];
for (const file of readdirSync(K8S).filter((f) => f.endsWith('.yaml')).sort()) {
  for (const d of parseAllDocuments(readFileSync(new URL(file, K8S), 'utf8'), { version: '1.1' })) {
    if (d.errors.length) throw new Error(`${file}: ${d.errors[0]?.message}`);
    k8sDocs.push({ file, doc: d.toJS() as Doc });
  }
}
/** What a mounted API keys file holds: digests only. */
const STAND_IN_KEYS = `backend:sha256:${'ab'.repeat(32)}\n`;
const byKind = (kind: string) => k8sDocs.filter((d) => d.doc.kind === kind).map((d) => d.doc);
const known = new Set(Object.keys(EnvSchema.properties));

/** Checks variable names against the schema and values against loadConfig; returns the config. */
function checkEnv(t: Test, where: string, env: Record<string, string>): Config {
  for (const name of Object.keys(env)) {
    if (!known.has(name)) t.fail(`${where}: ${name} is not a variable the config schema knows`);
  }
  // Values from secrets ('' here) are supplied below.
  const values = Object.fromEntries(Object.entries(env).filter(([k, v]) => known.has(k) && v !== ''));
  // Stand-ins for what secrets provide at run time.
  const config = loadConfig({ APP_ID, ...values }, { readFile: (path) => (path.endsWith('api-keys') ? STAND_IN_KEYS : APP_CERTIFICATE) });
  t.pass(`${where}: the config schema accepts every value`);
  return config;
}

t.test('every Kubernetes manifest parses and names itself', async (t) => {
  for (const { file, doc } of k8sDocs) {
    t.ok(doc.apiVersion && doc.kind && doc.metadata?.name !== undefined || doc.kind === 'Kustomization', `${file}: ${doc.kind}`);
  }
  const kustomization = byKind('Kustomization')[0] as Doc;
  const listed = new Set(kustomization.resources as string[]);
  for (const file of new Set(k8sDocs.map((d) => d.file))) {
    if (file === 'kustomization.yaml') continue;
    if (file.includes('.example.')) t.notOk(listed.has(file), `${file} is an example, never applied`);
    else t.ok(listed.has(file), `${file} is in kustomization.yaml`);
  }
  for (const f of listed) t.ok(existsSync(new URL(f, K8S)), `${f} exists`);
});

t.test('Deployment against the app', async (t) => {
  const [deployment] = byKind('Deployment') as [Doc];
  const pod = deployment.spec.template;
  const [container] = pod.spec.containers as [Doc];
  const literal: Record<string, string> = {};
  const names: string[] = [];
  for (const e of container.env as Doc[]) {
    names.push(e.name);
    if (e.value !== undefined) literal[e.name] = e.value;
  }
  t.same(names.filter((n, i) => names.indexOf(n) !== i), [], 'no variable twice');
  const config = checkEnv(t, 'deployment.yaml', Object.fromEntries(names.map((n) => [n, literal[n] ?? ''])));

  t.notOk('APP_CERTIFICATE' in literal || names.includes('APP_CERTIFICATE'), 'the certificate is not an environment value');
  t.ok(names.includes('APP_CERTIFICATE_FILE'));

  // Ports.
  const ports = new Map((container.ports as Doc[]).map((p) => [p.name as string, p.containerPort as number]));
  t.equal(ports.get('http'), config.port, 'http port = PORT');
  t.equal(ports.get('metrics'), config.metricsPort, 'metrics port = METRICS_PORT');
  t.equal(Number(pod.metadata.annotations['prometheus.io/port']), config.metricsPort);
  t.equal(pod.metadata.annotations['prometheus.io/path'], '/metrics');

  // Probes: the right paths, on the app's port, and they answer.
  const app = await build(t, { ...literal, APP_CERTIFICATE_FILE: '', API_KEYS_FILE: '', API_KEYS: 'probe:probe-key-0123456789abcdef', METRICS_PORT: '' });
  const probes: [string, string][] = [
    ['livenessProbe', '/healthz'],
    ['readinessProbe', '/readyz'],
    ['startupProbe', '/healthz'],
  ];
  for (const [probe, path] of probes) {
    const get = container[probe].httpGet;
    t.equal(get.path, path, `${probe} path`);
    t.equal(ports.get(get.port), config.port, `${probe} port is the app port`);
    t.equal((await app.inject({ url: get.path })).statusCode, 200, `${probe}: ${path} answers 200`);
  }
  const metricsApp = await build(t, { METRICS_PORT: '' });
  t.equal((await metricsApp.inject({ url: pod.metadata.annotations['prometheus.io/path'] })).statusCode, 200, 'metrics path answers');

  // Shutdown: preStop + drain + in-flight timeout fit in the grace period.
  const preStop = container.lifecycle.preStop.sleep.seconds as number;
  const { drainSeconds, timeoutSeconds } = config.shutdown;
  const grace = pod.spec.terminationGracePeriodSeconds as number;
  t.ok(preStop + drainSeconds + timeoutSeconds < grace, `preStop ${preStop} + drain ${drainSeconds} + timeout ${timeoutSeconds} < grace ${grace}`);
  const readiness = container.readinessProbe;
  t.ok(readiness.periodSeconds * readiness.failureThreshold <= drainSeconds, 'a probing balancer sees /readyz fail within the drain');
  t.ok(config.keepAliveTimeoutSeconds > 60, 'keep-alive above the common 60 s balancer idle timeout');

  // Security.
  t.equal(pod.spec.securityContext.runAsNonRoot, true);
  t.not(pod.spec.securityContext.runAsUser, 0);
  t.equal(container.securityContext.readOnlyRootFilesystem, true);
  t.equal(container.securityContext.allowPrivilegeEscalation, false);
  t.same(container.securityContext.capabilities.drop, ['ALL']);
  t.equal(pod.spec.automountServiceAccountToken, false);

  // Resources, and load shedding before the memory limit.
  t.ok(container.resources.requests.cpu && container.resources.requests.memory && container.resources.limits.memory);
  const limitMi = Number(/^(\d+)Mi$/.exec(container.resources.limits.memory)?.[1]);
  t.ok(config.shed.maxHeapUsedMb !== undefined && config.shed.maxHeapUsedMb < limitMi, 'heap shedding below the memory limit');

  // Secret: the same Secret for the App ID and the mounted certificate file.
  const [secret] = byKind('Secret') as [Doc];
  const idRef = (container.env as Doc[]).find((e) => e.name === 'APP_ID')?.valueFrom.secretKeyRef;
  t.equal(idRef.name, secret.metadata.name);
  t.ok(idRef.key in secret.stringData, 'the App ID key exists in the Secret');
  const volume = (pod.spec.volumes as Doc[]).find((v) => v.secret);
  t.equal(volume?.secret.secretName, secret.metadata.name);
  const mount = (container.volumeMounts as Doc[]).find((m) => m.name === volume?.name);
  const item = (volume?.secret.items as Doc[])[0] as Doc;
  t.equal(literal.APP_CERTIFICATE_FILE, `${mount?.mountPath}/${item.path}`, 'APP_CERTIFICATE_FILE is the mounted secret file');
  t.ok(item.key in secret.stringData, 'the certificate key exists in the Secret');
  t.equal(literal.AUTH_MODE, 'apiKey', 'only callers with an API key mint');
  const keysItem = (volume?.secret.items as Doc[]).find((i) => `${mount?.mountPath}/${i.path}` === literal.API_KEYS_FILE);
  t.ok(keysItem && keysItem.key in secret.stringData, 'API_KEYS_FILE is a mounted key of the Secret');
  t.equal(mount?.readOnly, true);
});

t.test('Service, HPA and PDB select the Deployment', async (t) => {
  const [deployment] = byKind('Deployment') as [Doc];
  const labels = deployment.spec.template.metadata.labels as Record<string, string>;
  const matches = (selector: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);
  const [service] = byKind('Service') as [Doc];
  t.ok(matches(service.spec.selector), 'Service selector');
  const names = (deployment.spec.template.spec.containers[0].ports as Doc[]).map((p) => p.name);
  t.ok(names.includes(service.spec.ports[0].targetPort), 'Service targets a named container port');
  t.ok(matches(deployment.spec.selector.matchLabels), 'Deployment selector');
  const [hpa] = byKind('HorizontalPodAutoscaler') as [Doc];
  t.same(hpa.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name });
  t.ok(hpa.spec.minReplicas >= 2);
  const [pdb] = byKind('PodDisruptionBudget') as [Doc];
  t.ok(matches(pdb.spec.selector.matchLabels), 'PDB selector');
  t.ok(pdb.spec.maxUnavailable >= 1 && pdb.spec.maxUnavailable < hpa.spec.minReplicas, 'drains can proceed, one replica at a time');
  t.equal(deployment.spec.strategy.rollingUpdate.maxUnavailable, 0, 'rolling updates never drop below the replica count');
});

t.test('Compose: nginx + 3 replicas + Redis, secrets from files', async (t) => {
  const compose = parse(readFileSync(new URL('compose.yaml', DEPLOY), 'utf8')) as Doc;
  const app = compose.services['token-server'];
  t.ok(compose.services.nginx && compose.services.redis);
  t.ok(app.deploy.replicas >= 2, 'more than one replica: a rolling restart always leaves one serving');
  const config = checkEnv(t, 'compose.yaml', app.environment);
  t.notOk('APP_CERTIFICATE' in app.environment);
  const [secretName] = app.secrets as [string];
  t.equal(app.environment.APP_CERTIFICATE_FILE, `/run/secrets/${secretName}`);
  t.ok(compose.secrets[secretName].file, 'the secret is a file');

  // Published on every interface: only callers with an API key mint, the keys file being a secret too.
  t.equal(app.environment.AUTH_MODE, 'apiKey', 'only callers with an API key mint');
  t.same(config.auth.methods, ['apiKey']);
  t.equal(config.auth.apiKeys.length, 1, 'the keys come from API_KEYS_FILE');
  const keysSecret = (app.secrets as string[]).find((name) => app.environment.API_KEYS_FILE === `/run/secrets/${name}`);
  t.ok(keysSecret && compose.secrets[keysSecret].file, 'API_KEYS_FILE is a Compose secret file');
  t.match(readFileSync(new URL('../docs/deploy.md', DEPLOY), 'utf8'), `> secrets/${String(compose.secrets[keysSecret as string]?.file).replace('./secrets/', '')}`, 'docs/deploy.md says how to create it');
  const { API_KEYS_FILE: _keys, ...withoutKeys } = app.environment as Record<string, string>;
  t.throws(() => loadConfig({ APP_ID, ...withoutKeys }, { readFile: () => APP_CERTIFICATE }), /API_KEYS is missing/, 'without a key file it does not start');
  const { AUTH_MODE: _mode, ...withoutMode } = app.environment as Record<string, string>;
  t.throws(() => loadConfig({ APP_ID, ...withoutMode }, { readFile: (path) => (path.endsWith('api-keys') ? STAND_IN_KEYS : APP_CERTIFICATE) }), /AUTH_MODE is missing/, 'nor open because AUTH_MODE went missing');
  t.match(readFileSync(new URL('.gitignore', DEPLOY), 'utf8'), /^secrets\/$/m, 'secret files are never committed');
  const grace = Number(/^(\d+)s$/.exec(app.stop_grace_period)?.[1]);
  t.ok(config.shutdown.drainSeconds + config.shutdown.timeoutSeconds < grace, 'drain + timeout < stop_grace_period');
  t.equal(app.stop_signal, 'SIGTERM');
  t.match(app.healthcheck.test.join(' '), `http://127.0.0.1:${config.port}/readyz`);
  t.ok(app.read_only);

  // nginx: the mounted files exist, the upstream points at PORT, idle upstream
  // connections close on nginx's side first.
  const upstream = readFileSync(new URL('nginx/upstream.conf', DEPLOY), 'utf8');
  const server = readFileSync(new URL('nginx/token-server.conf', DEPLOY), 'utf8');
  for (const volume of compose.services.nginx.volumes as string[]) t.ok(existsSync(new URL(volume.split(':')[0] as string, DEPLOY)), volume);
  t.match(upstream, new RegExp(`server token-server:${config.port}\\b`));
  const idle = Number(/keepalive_timeout (\d+)s;/.exec(upstream)?.[1]);
  t.ok(idle < config.keepAliveTimeoutSeconds, `nginx upstream keepalive_timeout ${idle} s < KEEP_ALIVE_TIMEOUT_SECONDS ${config.keepAliveTimeoutSeconds}`);
  const published = (compose.services.nginx.ports as string[])[0]?.split(':')[1];
  t.match(server, new RegExp(`listen ${published};`), 'nginx listens on the published port');
  // What the server block does (retrying a draining backend's refusals) is checked by running it:
  // test/system/nginx.test.ts, a rolling restart through it with zero failed requests.

  // The replicas trust exactly the proxy in front: nginx's fixed address, inside the network's subnet.
  const nginxAddress = compose.services.nginx.networks.default.ipv4_address as string;
  t.same(config.trustProxy, [nginxAddress], 'TRUST_PROXY is exactly the nginx in front');
  const [subnet] = compose.networks.default.ipam.config as [{ subnet: string }];
  const list = new BlockList();
  list.addSubnet(subnet.subnet.split('/')[0] as string, Number(subnet.subnet.split('/')[1]));
  t.ok(list.check(nginxAddress), `${nginxAddress} is in ${subnet.subnet}`);
  t.ok(config.metricsPort !== undefined && config.metricsPort !== config.port, 'metrics on their own port, never behind nginx');
});

t.test('.env.example: every variable known, every value accepted', async (t) => {
  const text = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
  const env: Record<string, string> = {};
  for (const m of text.matchAll(/^#? ?([A-Z][A-Z0-9_]+)=(.*)$/gm)) env[m[1] as string] = (m[2] as string).trim();
  // A newcomer's one list: every variable the config schema knows is there, set or commented.
  t.same([...known].filter((name) => !(name in env)), [], 'every variable of the config schema is in .env.example');
  // Commented examples are checked too; the certificate file is read through a stand-in.
  t.ok(env.APP_CERTIFICATE_FILE);
  checkEnv(t, '.env.example', env);
});
