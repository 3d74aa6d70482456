// The ceiling: a bare node:http server that reads the same JSON body and calls the same Agora
// builders as the service (006: agora-access-token, 007: agora-token), with nothing else — no
// validation, auth, logging, metrics or headers. Dev-only: the benchmark's reference peer.
import { createServer } from 'node:http';
import lib006 from 'agora-access-token';
import lib007 from 'agora-token';

const appId = process.env.APP_ID;
const appCertificate = process.env.APP_CERTIFICATE;

function mint(path, b) {
  const expire = Math.floor(Date.now() / 1000) + 3600;
  if (path === '/v1/tokens/rtm') return lib007.RtmTokenBuilder.buildToken(appId, appCertificate, b.userId, 3600);
  const role = b.role === 'publisher' ? 1 : 2;
  if (b.version === '006') {
    return lib006.RtcTokenBuilder.buildTokenWithUid(appId, appCertificate, b.channelName, b.uid, role, expire);
  }
  return lib007.RtcTokenBuilder.buildTokenWithUid(appId, appCertificate, b.channelName, b.uid, role, 3600, 3600);
}

createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    const token = mint(req.url, JSON.parse(body));
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify({ token }));
  });
}).listen(Number(process.env.PORT), '127.0.0.1');
