// Records the host of every outgoing TCP connection this process opens and
// refuses any that is not the Accord server, so a test fails (and no token
// leaves the machine) if a library connects anywhere else. Every Node
// client socket (net.connect, tls.connect, http's agents, undici, ws) goes
// through net.Socket.prototype.connect.
const net = require('node:net');

const hosts = [];
const addrs = []; // "host:port" of each connection, in order

function guard(allowedHost) {
  const connect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function guardedConnect(...args) {
    // net.connect passes its already-normalized [options, callback] array.
    let opts = Array.isArray(args[0]) ? args[0][0] : args[0];
    if (typeof opts !== 'object' || opts === null) {
      opts = typeof args[0] === 'string' && Number.isNaN(Number(args[0])) ? { path: args[0] } : { host: typeof args[1] === 'string' ? args[1] : undefined };
    }
    const host = opts.path ? `unix:${opts.path}` : (opts.host ?? 'localhost');
    hosts.push(host);
    addrs.push(opts.path ? host : `${host}:${opts.port}`);
    if (host !== allowedHost) {
      throw new Error(`connection to ${host}: not the Accord server ${allowedHost}`);
    }
    return connect.apply(this, args);
  };
}

module.exports = { guard, hosts, addrs };
