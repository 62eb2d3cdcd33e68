// A WebSocket client for the contract suite (npm `ws`): opens `count` sockets to `url` with
// the subprotocols `orderflow.v1` and `bearer.<token>` (the token never goes in the URL),
// subscribes each to `channels`, and prints one JSON line per thing that happens:
//   {"socket": i, "message": {...}}            a message from the server
//   {"socket": i, "closed": code, "reason": s} the server closed it
//   {"socket": i, "refused": status}           the handshake was refused
// Usage: node client.mjs <url> <token> <channels JSON> [count]. Exits when every socket has
// closed, or when its standard input closes.
import WebSocket from "ws";

const [url, token, channels, count = "1"] = process.argv.slice(2);
let open = Number(count);
const print = (value) => process.stdout.write(JSON.stringify(value) + "\n");
const done = () => { if (--open === 0) process.exit(0); };

for (let socket = 0; socket < Number(count); socket++) {
  const protocols = token ? ["orderflow.v1", `bearer.${token}`] : ["orderflow.v1"];
  const ws = new WebSocket(url, protocols);
  ws.on("open", () => ws.send(JSON.stringify({ type: "subscribe", channels: JSON.parse(channels) })));
  ws.on("message", (data) => print({ socket, message: JSON.parse(data.toString()) }));
  ws.on("close", (code, reason) => { print({ socket, closed: code, reason: reason.toString() }); done(); });
  ws.on("unexpected-response", (_request, response) => { print({ socket, refused: response.statusCode }); done(); });
  ws.on("error", (error) => print({ socket, error: String(error.message) }));
}
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
