package dev.aigc.operator.sim;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * nginx configured as ingress-nginx configures {@code auth-url} and {@code auth-signin} (reduced to
 * plain nginx: ingress-nginx escapes the {@code rd} URI with Lua, we pass {@code $request_uri}).
 */
public final class NginxConfig {
  private NginxConfig() {}

  /**
   * One front server whose auth subrequest goes to {@code authUrl} (http://127.0.0.1:port/path), in
   * front of a stub backend. Auth connections are kept alive, as ingress-nginx's auth-keepalive does.
   */
  public record Front(int port, String authUrl) {
    String authAddress() {
      String rest = authUrl.substring("http://".length());
      return rest.substring(0, rest.indexOf('/'));
    }

    String authPath() {
      String rest = authUrl.substring("http://".length());
      return rest.substring(rest.indexOf('/'));
    }
  }

  /**
   * Writes nginx.conf into {@code dir}: the fronts, a stub backend that echoes the user nginx passed
   * on, and a location answering 204 at http://127.0.0.1:{backend}/allow (the fastest auth there is).
   */
  public static Path write(Path dir, int backend, String signInUrl, List<Front> fronts) throws Exception {
    for (String tmp : List.of("client", "proxy", "fastcgi", "uwsgi", "scgi")) {
      Path p = dir.resolve("tmp").resolve(tmp);
      Files.createDirectories(p);
      p.toFile().setWritable(true, false);
    }
    String temp = dir.resolve("tmp").toString();
    StringBuilder servers = new StringBuilder();
    StringBuilder upstreams = new StringBuilder();
    for (Front front : fronts) {
      servers.append("""
            server {
              listen 127.0.0.1:%1$d backlog=1024;
              server_name _;
              location = /_external-auth {
                internal;
                proxy_pass http://auth_%1$d%4$s;
                proxy_http_version 1.1;
                proxy_set_header Connection "";
                proxy_pass_request_body off;
                proxy_set_header Content-Length "";
                proxy_set_header X-Original-URL $scheme://$http_host$request_uri;
                proxy_set_header X-Original-Method $request_method;
                proxy_set_header X-Sent-From "nginx-ingress-controller";
                proxy_set_header X-Auth-Request-Redirect $request_uri;
              }
              location / {
                auth_request /_external-auth;
                auth_request_set $auth_user $upstream_http_x_auth_request_user;
                error_page 401 = @signin;
                proxy_http_version 1.1;
                proxy_set_header Connection "";
                proxy_set_header X-Auth-Request-User $auth_user;
                proxy_pass http://backend;
              }
              location @signin {
                return 302 %3$s?rd=$scheme://$http_host$request_uri;
              }
            }
          """.formatted(front.port(), front.authUrl(), signInUrl, front.authPath()));
      upstreams.append("  upstream auth_%d { server %s; keepalive 64; }\n".formatted(front.port(), front.authAddress()));
    }
    String config = """
        worker_processes 1;
        daemon off;
        pid %1$s/nginx.pid;
        error_log %1$s/error.log warn;
        events { worker_connections 4096; }
        http {
          access_log off;
          client_body_temp_path %2$s/client; proxy_temp_path %2$s/proxy; fastcgi_temp_path %2$s/fastcgi;
          uwsgi_temp_path %2$s/uwsgi; scgi_temp_path %2$s/scgi;
          upstream backend { server 127.0.0.1:%3$d; keepalive 64; }
          server {
            listen 127.0.0.1:%3$d backlog=1024;
            location = /allow { return 204; }
            location / { return 200 "backend for $http_x_auth_request_user\\n"; }
          }
        %5$s%4$s}
        """.formatted(dir, temp, backend, servers, upstreams);
    Path conf = dir.resolve("nginx.conf");
    Files.writeString(conf, config);
    return conf;
  }
}
