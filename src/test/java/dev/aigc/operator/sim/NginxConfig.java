package dev.aigc.operator.sim;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * nginx configured as ingress-nginx configures {@code auth-url} and {@code auth-signin} (reduced to
 * plain nginx: ingress-nginx escapes the {@code rd} URI with Lua, we pass {@code $request_uri}),
 * following ingress-nginx's {@code rootfs/etc/nginx/template/nginx.tmpl}: one server block per
 * Ingress host. {@link #writeIngress} puts the front and a stub backend in one nginx (for tests);
 * {@link #writeFront} and {@link #writeBackends} put them in two (for the auth benchmark, where the
 * backends must not take the front's only worker).
 */
public final class NginxConfig {
  private NginxConfig() {}

  /**
   * One Ingress host as ingress-nginx serves it.
   *
   * @param annotations the Ingress's annotations as OKG copies them from the GameServerSet's
   *     {@code Annotation} entries: auth-url, auth-signin and auth-response-headers are used
   */
  public record IngressHost(String host, Map<String, String> annotations, DefaultBackend defaultBackend) {
    public IngressHost(String host, Map<String, String> annotations) {
      this(host, annotations, null);
    }

    String annotation(String key) {
      String value = annotations.get("nginx.ingress.kubernetes.io/" + key);
      if (value == null) throw new IllegalArgumentException(host + " has no " + key + " annotation");
      return value;
    }
  }

  /**
   * The default backend of an Ingress with {@code custom-http-errors: "503"} and {@code
   * default-backend: <service>}, as ingress-nginx serves it (its controller's getBackendServers and
   * nginx.tmpl): when the routed Service has no endpoints, the Ingress's location proxies to the
   * default backend's endpoints (after auth), with X-Code 503, X-Format, X-Namespace, X-Ingress-Name,
   * X-Service-Name and X-Service-Port set from the location, and the request's Host; when it has
   * endpoints, a 503 of the app goes to the same backend through an {@code error_page} location.
   *
   * @param address host:port of the default backend's endpoint (what its EndpointSlice says)
   * @param routedHasEndpoints whether the instance's own Service has endpoints (its pod is ready)
   */
  public record DefaultBackend(String namespace, String ingressName, String serviceName, int servicePort, String address,
      boolean routedHasEndpoints) {
    String headers() {
      return "proxy_set_header X-Code 503;\n"
          + "        proxy_set_header X-Format $http_accept;\n"
          + "        proxy_set_header X-Namespace \"" + namespace + "\";\n"
          + "        proxy_set_header X-Ingress-Name \"" + ingressName + "\";\n"
          + "        proxy_set_header X-Service-Name \"" + serviceName + "\";\n"
          + "        proxy_set_header X-Service-Port \"" + servicePort + "\";\n"
          + "        proxy_set_header X-Original-URI $request_uri;\n";
    }
  }

  /**
   * Writes nginx.conf for the Ingress hosts on one port, shaped as ingress-nginx renders them with
   * auth-keepalive 0 (its default): a default server answering 404 for unknown hosts, and per host
   * a server block {@code server_name "<host>";} whose auth location sets X-Original-URL from the
   * client's Host header and ends in {@code set $target "<auth-url, verbatim>"; proxy_pass $target;},
   * so that nginx variables in the auth-url are expanded per request. Each host's backend (its
   * instance's Service) answers {@code "<host> for <X-Auth-Request-User>"}.
   */
  public static Path writeIngress(Path dir, int listen, int backend, List<IngressHost> hosts) throws Exception {
    return writeConfig(dir, backendServer(backend) + upstream(backend) + frontServers(listen, hosts));
  }

  /** The hosts that the front serves on one port. */
  public record Listener(int port, List<IngressHost> hosts) {}

  /**
   * Writes nginx.conf into {@code dir} for the front alone: on each listener's port a default server
   * and one server block per Ingress host, as {@link #writeIngress} writes them, in front of the stub
   * backend at 127.0.0.1:{@code backend} served by another nginx ({@link #writeBackends}).
   */
  public static Path writeFront(Path dir, List<Listener> listeners, int backend) throws Exception {
    StringBuilder servers = new StringBuilder(upstream(backend));
    for (Listener listener : listeners) servers.append(frontServers(listener.port(), listener.hosts()));
    return writeConfig(dir, servers.toString());
  }

  /**
   * Writes nginx.conf into {@code dir} for the backends alone, at 127.0.0.1:{@code port}: the stub
   * backend that echoes the user nginx passed on, and {@code /allow}, which answers 204 to anything
   * (the fastest auth backend there is).
   */
  public static Path writeBackends(Path dir, int port) throws Exception {
    return writeConfig(dir, backendServer(port));
  }

  private static String upstream(int backend) {
    return "  upstream backend { server 127.0.0.1:%d; keepalive 64; }\n".formatted(backend);
  }

  private static String backendServer(int port) {
    return """
          server {
            listen 127.0.0.1:%d backlog=1024;
            location = /allow { return 204; }
            location / {
              if ($http_x_instance_host) { return 200 "$http_x_instance_host for $http_x_auth_request_user\\n"; }
              return 200 "backend for $http_x_auth_request_user\\n";
            }
          }
        """.formatted(port);
  }

  private static String frontServers(int listen, List<IngressHost> hosts) {
    StringBuilder servers = new StringBuilder("""
          server {
            listen 127.0.0.1:%d default_server backlog=1024;
            server_name _;
            location / { return 404; }
          }
        """.formatted(listen));
    for (IngressHost ingress : hosts) {
      String authUrl = ingress.annotation("auth-url");
      String authHost = authUrl.replaceFirst("^https?://", "").replaceFirst("[:/?].*$", "");
      StringBuilder responseHeaders = new StringBuilder();
      String[] names = ingress.annotation("auth-response-headers").split(",");
      for (int i = 0; i < names.length; i++) {
        responseHeaders.append("""
                  auth_request_set $authHeader%1$d $upstream_http_%2$s;
                  proxy_set_header '%3$s' $authHeader%1$d;
            """.formatted(i, names[i].strip().toLowerCase(java.util.Locale.ROOT).replace('-', '_'), names[i].strip()));
      }
      servers.append("""
            server {
              listen 127.0.0.1:%1$d;
              server_name "%2$s";
              location = /_external-auth-Lw-Prefix {
                internal;
                access_log off;
                proxy_intercept_errors off;
                proxy_pass_request_body off;
                proxy_set_header Content-Length "";
                proxy_set_header X-Forwarded-Proto "";
                proxy_set_header Host %3$s;
                proxy_set_header X-Original-URL $scheme://$http_host$request_uri;
                proxy_set_header X-Original-Method $request_method;
                proxy_set_header X-Sent-From "nginx-ingress-controller";
                proxy_set_header X-Real-IP $remote_addr;
                proxy_set_header X-Forwarded-For $remote_addr;
                proxy_set_header X-Auth-Request-Redirect $request_uri;
                proxy_http_version 1.1;
                set $target "%4$s";
                proxy_pass $target;
              }
              location @signin {
                add_header Set-Cookie $auth_cookie;
                return 302 %5$s?rd=$scheme://$http_host$request_uri;
              }
              location / {
                auth_request /_external-auth-Lw-Prefix;
                auth_request_set $auth_cookie $upstream_http_set_cookie;
        %6$s        error_page 401 = @signin;
                proxy_http_version 1.1;
                proxy_set_header Connection "";
                proxy_set_header Host $http_host;
                %7$s
              }
        %8$s    }
          """.formatted(listen, ingress.host(), authHost, authUrl, ingress.annotation("auth-signin"), responseHeaders,
          upstream(ingress), errorLocation(ingress.defaultBackend())));
    }
    return servers.toString();
  }

  /** Where an Ingress host's location proxies to: its instance, or the default backend while it has no endpoints. */
  private static String upstream(IngressHost ingress) {
    DefaultBackend wake = ingress.defaultBackend();
    String instance = "proxy_set_header X-Instance-Host \"" + ingress.host() + "\";\n        proxy_pass http://backend;";
    if (wake == null) return instance;
    // ingress-nginx makes the default backend's upstream the location's backend itself
    if (!wake.routedHasEndpoints()) return wake.headers() + "        proxy_pass http://" + wake.address() + ";";
    return "proxy_intercept_errors on;\n        error_page 503 = @custom_503;\n        " + instance;
  }

  /** The named location that a 503 of the app goes to, when the Ingress has a default backend. */
  private static String errorLocation(DefaultBackend wake) {
    if (wake == null || !wake.routedHasEndpoints()) return "";
    return "      location @custom_503 {\n"
        + "        internal;\n"
        + "        proxy_intercept_errors off;\n"
        + "        proxy_set_header Host $http_host;\n"
        + "        " + wake.headers()
        + "        proxy_pass http://" + wake.address() + ";\n"
        + "      }\n";
  }

  private static Path writeConfig(Path dir, String servers) throws Exception {
    for (String tmp : List.of("client", "proxy", "fastcgi", "uwsgi", "scgi")) {
      Path p = dir.resolve("tmp").resolve(tmp);
      Files.createDirectories(p);
      p.toFile().setWritable(true, false);
    }
    String config = """
        worker_processes 1;
        daemon off;
        pid %1$s/nginx.pid;
        error_log %1$s/error.log warn;
        events { worker_connections 4096; }
        http {
          access_log off;
          server_names_hash_max_size 8192;
          server_names_hash_bucket_size 128;
          client_body_temp_path %2$s/client; proxy_temp_path %2$s/proxy; fastcgi_temp_path %2$s/fastcgi;
          uwsgi_temp_path %2$s/uwsgi; scgi_temp_path %2$s/scgi;
        %3$s}
        """.formatted(dir, dir.resolve("tmp"), servers);
    Path conf = dir.resolve("nginx.conf");
    Files.writeString(conf, config);
    return conf;
  }
}
