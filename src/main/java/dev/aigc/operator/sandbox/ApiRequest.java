package dev.aigc.operator.sandbox;

import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A request to the sandbox's API, read the way the API server reads it: the path without its query,
 * the decoded query parameters, and for a resource path its group, version, namespace, resource,
 * name and subresource.
 */
final class ApiRequest {
  final RecordedRequest raw;
  final String method;
  final String path;
  final Map<String, String> query;
  /** Set for paths under /api/v1 and /apis/group/version (the group is "" for the core group). */
  final String group;
  final String version;
  final String namespace;
  final String plural;
  final String name;
  final String subresource;

  private ApiRequest(RecordedRequest raw, String path, Map<String, String> query, String group, String version,
      String namespace, String plural, String name, String subresource) {
    this.raw = raw;
    this.method = raw.getMethod();
    this.path = path;
    this.query = query;
    this.group = group;
    this.version = version;
    this.namespace = namespace;
    this.plural = plural;
    this.name = name;
    this.subresource = subresource;
  }

  static ApiRequest of(RecordedRequest raw) {
    String full = raw.getPath();
    int q = full.indexOf('?');
    String path = q < 0 ? full : full.substring(0, q);
    Map<String, String> query = new LinkedHashMap<>();
    if (q >= 0) {
      for (String pair : full.substring(q + 1).split("&")) {
        if (pair.isEmpty()) continue;
        int eq = pair.indexOf('=');
        query.put(decode(eq < 0 ? pair : pair.substring(0, eq)), eq < 0 ? "" : decode(pair.substring(eq + 1)));
      }
    }
    List<String> segments = new ArrayList<>(Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).toList());
    String group = null;
    String version = null;
    List<String> rest = List.of();
    if (segments.size() >= 2 && segments.get(0).equals("api")) {
      group = "";
      version = segments.get(1);
      rest = segments.subList(2, segments.size());
    } else if (segments.size() >= 3 && segments.get(0).equals("apis")) {
      group = segments.get(1);
      version = segments.get(2);
      rest = segments.subList(3, segments.size());
    }
    String namespace = null;
    // namespaces/<ns>/<resource>..., except a namespace's own subresources (namespaces/<ns>/status)
    if (rest.size() >= 3 && rest.get(0).equals("namespaces") && !Set.of("status", "finalize").contains(rest.get(2))) {
      namespace = rest.get(1);
      rest = rest.subList(2, rest.size());
    }
    return new ApiRequest(raw, path, query, group, version, namespace, part(rest, 0), part(rest, 1), part(rest, 2));
  }

  private static String part(List<String> parts, int i) {
    return parts.size() > i ? parts.get(i) : null;
  }

  /** A path under a group version names a resource; the group version itself is discovery. */
  boolean isResource() {
    return plural != null;
  }

  boolean isGet() {
    return "GET".equals(method);
  }

  boolean isWatch() {
    return "true".equals(query.get("watch")) || "1".equals(query.get("watch"));
  }

  String param(String key) {
    return query.get(key);
  }

  String header(String key) {
    return raw.getHeader(key);
  }

  /** kubectl get asks for {@code application/json;as=Table;v=v1;g=meta.k8s.io}. */
  boolean wantsTable() {
    String accept = header("Accept");
    return accept != null && accept.contains("as=Table");
  }

  byte[] body() {
    return raw.getBody() == null ? new byte[0] : raw.getBody().getBytes();
  }

  /** This request with only the given query parameters kept (for the store, which misreads the others). */
  RecordedRequest keeping(String... keys) {
    Map<String, String> kept = new LinkedHashMap<>();
    for (String key : keys) if (query.containsKey(key)) kept.put(key, query.get(key));
    return new RecordedRequest(raw.getHttpVersion(), raw.method(), path + encode(kept), raw.getHeaders(), copyOf(raw.getBody()));
  }

  /** This request with another body and content type. */
  RecordedRequest withBody(String contentType, byte[] body) {
    return new RecordedRequest(raw.getHttpVersion(), raw.method(), raw.getPath(),
        raw.getHeaders().newBuilder().set("Content-Type", contentType).build(), new Buffer(body));
  }

  private static Buffer copyOf(Buffer body) {
    return new Buffer(body == null ? new byte[0] : body.getBytes());
  }

  private static String encode(Map<String, String> params) {
    if (params.isEmpty()) return "";
    StringBuilder out = new StringBuilder();
    params.forEach((k, v) -> out.append(out.length() == 0 ? "?" : "&")
        .append(URLEncoder.encode(k, StandardCharsets.UTF_8)).append('=')
        // the store splits selectors on '=' and ',' itself, so those stay readable
        .append(URLEncoder.encode(v, StandardCharsets.UTF_8).replace("%3D", "=").replace("%2C", ",").replace("%21", "!")));
    return out.toString();
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return method + " " + raw.getPath();
  }
}
