// The framework floor: Fastify with no plugins, hooks, auth, logging, metrics or extra headers,
// minting the same tokens as the service on the same paths (GET /access_token as the tutorial
// takes it, POST /v1/tokens/rtc). What the framework alone costs, so that the benchmark can
// tell it apart from what the service's features cost. Dev-only: a benchmark peer.
import Fastify from 'fastify';
import lib006 from 'agora-access-token';
import lib007 from 'agora-token';

const appId = process.env.APP_ID;
const appCertificate = process.env.APP_CERTIFICATE;
const app = Fastify({ logger: false });

app.get('/access_token', async (request) => {
  const q = request.query;
  const role = q.role === 'publisher' ? lib006.RtcRole.PUBLISHER : lib006.RtcRole.SUBSCRIBER;
  const expire = Math.floor(Date.now() / 1000) + 3600;
  return { token: lib006.RtcTokenBuilder.buildTokenWithUid(appId, appCertificate, q.channelName, Number(q.uid), role, expire) };
});

app.post('/v1/tokens/rtc', async (request) => {
  const b = request.body;
  const role = b.role === 'publisher' ? 1 : 2;
  if (b.version === '006') {
    const expire = Math.floor(Date.now() / 1000) + 3600;
    return { token: lib006.RtcTokenBuilder.buildTokenWithUid(appId, appCertificate, b.channelName, b.uid, role, expire) };
  }
  return { token: lib007.RtcTokenBuilder.buildTokenWithUid(appId, appCertificate, b.channelName, b.uid, role, 3600, 3600) };
});

await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
// A clean exit on SIGTERM, so that a --cpu-prof run writes its profile.
process.once('SIGTERM', () => app.close().then(() => process.exit(0)));
