package dev.aigc.operator.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aigc.operator.render.GameServerSetRenderer;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.vertx.core.MultiMap;
import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** /auth reads the routed host from its query by hand; it must read what Vert.x's parameters would. */
class RoutedHostsTest {
  @Test
  void theRoutedHostIsReadAsTheAuthUrlCarriesIt() {
    assertThat(GatewayServer.routedHosts("host=alice.example.com")).containsExactly("alice.example.com");
    assertThat(GatewayServer.routedHosts("rd=x&host=alice%2Eexample.com")).containsExactly("alice.example.com");
    assertThat(GatewayServer.routedHosts("host=a&HOST=b")).hasSize(2);
    assertThat(GatewayServer.routedHosts("host=a;host=b")).hasSize(2);
    assertThat(GatewayServer.routedHosts("hostx=a&xhost=b")).isEmpty();
    assertThat(GatewayServer.routedHosts(null)).isEmpty();
  }

  @Property(tries = 3000)
  void readsWhatVertxReads(@ForAll("queries") String query) {
    // as Vert.x 4's HttpServerRequest.params() reads them (HttpUtils.params)
    MultiMap params = MultiMap.caseInsensitiveMultiMap();
    new QueryStringDecoder("/auth?" + query, StandardCharsets.UTF_8, true, 1024, false).parameters().forEach(params::add);
    List<String> vertx = params.getAll(GameServerSetRenderer.ROUTED_HOST_PARAM);
    assertThat(GatewayServer.routedHosts(query)).containsExactlyInAnyOrderElementsOf(vertx);
  }

  @Provide
  Arbitrary<String> queries() {
    Arbitrary<String> token = Arbitraries.of("host", "HOST", "hOst", "ho%73t", "h+st", "=", "&", ";", "a", "b.c", "%2E", "+", "#", "x=");
    return token.list().ofMaxSize(8).map(tokens -> String.join("", tokens));
  }
}
