// A port free now on `host` (the kernel's pick), for servers that must be told their port before they
// listen: the edge learns a core's URL before the core starts, and sqld cannot report a port it chose.
import net from "node:net";

export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
