package chat.accord.jda;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Guard records the host of every outgoing connection the JVM opens and refuses any that is not
 * the Accord server, so a test fails (and no token leaves the machine) if JDA connects anywhere
 * else.
 *
 * <p>It is the default {@link ProxySelector}: OkHttp (JDA's REST) asks it for each http(s) URL,
 * every plain {@code java.net.Socket} (OkHttp's and nv-websocket-client's, JDA's gateway) asks it
 * for a {@code socket://host:port} URI before connecting, and {@link Accord.Gateway}'s HttpClient
 * asks it for the /gateway/bot URL. A host that is not Accord gets a SOCKS
 * proxy on a closed loopback port, so the connection fails. Besides, the surefire JVM resolves
 * names only from src/test/resources/hosts (jdk.net.hosts.file), so a connection that bypassed the
 * selector could not resolve discord.com either. Safe for concurrent use.
 */
final class Guard extends ProxySelector {
    /** refused is where connections to other hosts go: port 1 on loopback, nothing listens. */
    private static final Proxy refused =
            new Proxy(Proxy.Type.SOCKS, new InetSocketAddress("127.0.0.1", 1));

    private final String allowedHost;
    private final List<URI> seen = new ArrayList<>(); // guarded by this
    private boolean held; // guarded by this: refuse new sockets to Accord too
    private final Map<String, Integer> refusals = new HashMap<>(); // guarded by this

    private Guard(String allowedHost) {
        this.allowedHost = allowedHost;
    }

    /** install makes a Guard allowing only allowedHost the JVM's default proxy selector. */
    static synchronized Guard install(String allowedHost) {
        if (ProxySelector.getDefault() instanceof Guard g) {
            if (!g.allowedHost.equals(allowedHost)) {
                throw new IllegalStateException("a guard for " + g.allowedHost + " is installed");
            }
            return g;
        }
        Guard g = new Guard(allowedHost);
        ProxySelector.setDefault(g);
        return g;
    }

    @Override
    public synchronized List<Proxy> select(URI uri) {
        seen.add(uri);
        boolean allowed = allowedHost.equals(uri.getHost()) && !(held && uri.getScheme().equals("socket"));
        if (allowed) {
            return List.of(Proxy.NO_PROXY);
        }
        refusals.merge(String.valueOf(uri.getHost()), 1, Integer::sum);
        return List.of(refused);
    }

    /** refusals is how many connections to host were refused so far. */
    synchronized int refusals(String host) {
        return refusals.getOrDefault(host, 0);
    }

    /**
     * hold refuses new sockets to Accord as well while on (a network outage for everything that
     * dials through java.net.Socket: JDA's gateway and OkHttp); the JDK HttpClient of the tests'
     * Server and of Accord.Gateway's http URLs still pass.
     */
    synchronized void hold(boolean on) {
        held = on;
    }

    @Override
    public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {}

    /** mark is the number of connections seen so far, for {@link #hosts(int)}. */
    synchronized int mark() {
        return seen.size();
    }

    /** hosts are the hosts of the connections seen since mark. */
    synchronized Set<String> hosts(int mark) {
        Set<String> hosts = new LinkedHashSet<>();
        for (URI u : seen.subList(mark, seen.size())) {
            hosts.add(u.getHost());
        }
        return hosts;
    }

    /** schemes are the URI schemes seen since mark for host: http for OkHttp, socket for each socket. */
    synchronized Set<String> schemes(int mark, String host) {
        Set<String> schemes = new LinkedHashSet<>();
        for (URI u : seen.subList(mark, seen.size())) {
            if (host.equals(u.getHost())) {
                schemes.add(u.getScheme());
            }
        }
        return schemes;
    }
}
