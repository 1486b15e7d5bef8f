// Replay flooders in a process of their own, so that parsing their events does not slow the
// test process, where live delivery is timed. Usage (forked):
//   flooder.mjs URL CAMPAIGN SINCE SOCKETS SUBSCRIBES
// Sends {type: 'acked'} once every subscribe is answered; answers {type: 'report'} with, per
// socket, where each acknowledgement fell in its stream and the [cursor, id] pairs received.
import { io } from 'socket.io-client';

const [url, campaignId, since, sockets, subscribes] = process.argv.slice(2);
const flooders = [];
const subscribed = [];

for (let i = 0; i < Number(sockets); i++) {
  const socket = io(url, { transports: ['websocket'], reconnection: false, forceNew: true });
  const flooder = { socket, acks: [], received: [] };
  for (const name of ['chat:created', 'chat:updated', 'chat:deleted']) {
    socket.on(name, (e) => flooder.received.push([e.cursor, e.data.id]));
  }
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  flooders.push(flooder);
}
for (const flooder of flooders) {
  for (let k = 0; k < Number(subscribes); k++) {
    subscribed.push(
      flooder.socket
        .timeout(60_000)
        .emitWithAck('subscribe', { campaignId, since })
        .then((ack) => {
          if (!ack.ok) throw new Error(`subscribe failed: ${JSON.stringify(ack.error)}`);
          flooder.acks.push(flooder.received.length);
        }),
    );
  }
}
Promise.all(subscribed).then(
  () => process.send({ type: 'acked' }),
  (err) => process.send({ type: 'failed', message: String(err) }),
);
process.on('message', (msg) => {
  if (msg.type === 'report') {
    process.send({ type: 'report', flooders: flooders.map(({ acks, received }) => ({ acks, received })) });
  }
  if (msg.type === 'close') {
    for (const { socket } of flooders) socket.close();
    process.disconnect();
  }
});
