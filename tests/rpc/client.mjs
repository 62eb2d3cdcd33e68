// A Connect / gRPC-Web client for the contract suite: the real @connectrpc/connect-node
// transports, with messages described by a descriptor set that `buf build` made from proto/
// (no generated JavaScript). One call per run; it prints one JSON line per thing that happens:
//   {"response": {...}}            a unary answer (proto3 JSON)
//   {"message": {...}}             a message of a server stream
//   {"end": "ok"}                  the stream ended with OK
//   {"error": {"code": "not_found", "message": "...", "problem": {"code": ..., "title": ...},
//              "detailTypes": ["orderflow.v1.ProblemDetail", ...]}}
// Usage: node client.mjs <descriptor set> <base URL> <connect-proto|connect-json|grpc-web|grpc-web-json>
//        <service> <method> <request JSON> [<token> [<timeout ms>]]
import { readFileSync } from "node:fs";
import { createFileRegistry, fromBinary, fromJson, toJson } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-node";

const [descriptors, baseUrl, transportName, serviceName, methodName, requestJson, token = "", timeout = ""] =
  process.argv.slice(2);
const print = (value) => process.stdout.write(JSON.stringify(value) + "\n");

const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(descriptors)));
const service = registry.getService(serviceName);
if (!service) throw new Error(`no service ${serviceName} in ${descriptors}`);
const method = service.methods.find((m) => m.name === methodName);
if (!method) throw new Error(`no method ${methodName} in ${serviceName}`);

const options = { baseUrl, httpVersion: "1.1" };
const transport = {
  "connect-proto": () => createConnectTransport({ ...options, useBinaryFormat: true }),
  "connect-json": () => createConnectTransport({ ...options, useBinaryFormat: false }),
  "grpc-web": () => createGrpcWebTransport({ ...options, useBinaryFormat: true }),
  "grpc-web-json": () => createGrpcWebTransport({ ...options, useBinaryFormat: false }),
}[transportName]?.();
if (!transport) throw new Error(`unknown transport ${transportName}`);

const client = createClient(service, transport);
const request = fromJson(method.input, JSON.parse(requestJson), { registry });
const callOptions = {
  headers: token ? { authorization: `Bearer ${token}` } : {},
  ...(timeout ? { timeoutMs: Number(timeout) } : {}),
};
const json = (desc, message) => toJson(desc, message, { registry });
const snake = (code) => Code[code].replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase();

try {
  if (method.methodKind === "server_streaming") {
    for await (const message of client[method.localName](request, callOptions)) {
      print({ message: json(method.output, message) });
    }
    print({ end: "ok" });
  } else {
    print({ response: json(method.output, await client[method.localName](request, callOptions)) });
  }
} catch (caught) {
  const error = ConnectError.from(caught);
  const problemDesc = registry.getMessage("orderflow.v1.ProblemDetail");
  const [problem] = error.findDetails(problemDesc);
  print({
    error: {
      code: snake(error.code),
      message: error.rawMessage,
      problem: problem ? json(problemDesc, problem) : null,
      detailTypes: error.details.map((d) => d.desc?.typeName ?? d.type),
    },
  });
}
process.exit(0);
