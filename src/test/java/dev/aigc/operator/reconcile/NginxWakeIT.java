package dev.aigc.operator.reconcile;

import dev.aigc.operator.sim.ShiftedClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.api.IdleSpec;
import dev.aigc.operator.api.InstancePhase;
import dev.aigc.operator.config.OperatorSettings;
import dev.aigc.operator.gateway.AuthDecider;
import dev.aigc.operator.gateway.GatewayServer;
import dev.aigc.operator.gateway.GatewayVertx;
import dev.aigc.operator.gateway.InstanceDirectory;
import dev.aigc.operator.gateway.SessionCodec;
import dev.aigc.operator.render.Names;
import dev.aigc.operator.render.WakeBackend;
import dev.aigc.operator.sim.NginxConfig;
import dev.aigc.operator.sim.SystemPrograms;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.vertx.core.Vertx;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Wake on open through a real nginx shaped as ingress-nginx serves an idling template's Ingress:
 * auth-url first, then, while the instance's Service has no endpoints, its default backend (the
 * wake Service the operator points at the gateway) with nginx's X-* headers; once the instance runs,
 * the instance itself. The Ingress annotations are those of the GameServerSet the operator wrote,
 * and the default backend's address is the one in the EndpointSlice the operator mirrored from the
 * gateway's.
 * The gateway's own activity publisher writes the owner's touch, which is what wakes the instance.
 */
class NginxWakeIT extends OperatorTestBase {
  static final String SIGN_IN = "https://aigc.example.test/sign-in";
  private static final String GATEWAY_NAMESPACE = "aigc-system";
  private static final String GATEWAY_SERVICE = "aigc-gateway";

  private final ShiftedClock clock = new ShiftedClock();
  private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
  private Vertx vertx;
  private GatewayServer gateway;
  private SessionCodec sessions;
  private InstanceDirectory directory;
  private SharedIndexInformer<AigcInstance> informer;
  private int gatewayPort;
  private dev.aigc.operator.gateway.ActivityPublisher publisher;
  private Path binary;
  private Path dir;
  private Process nginx;
  private int front;

  @Override
  void startOperator() {
    try {
      startGateway();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    operatorClient = cluster.newClient(b -> { });
    OperatorSettings settings = new OperatorSettings(Set.of(), "http://127.0.0.1:" + gatewayPort + "/auth", SIGN_IN)
        .withGatewayService(GATEWAY_NAMESPACE + "/" + GATEWAY_SERVICE);
    operator = new AigcOperator(operatorClient, settings, dev.aigc.operator.observe.Telemetry.inMemory(), clock).start();
  }

  private void startGateway() throws Exception {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    sessions = new SessionCodec(List.of(key), Duration.ofHours(8), Clock.systemUTC());
    directory = new InstanceDirectory();
    informer = cluster.newClient(b -> { }).resources(AigcInstance.class).inAnyNamespace().inform(directory.handler());
    vertx = GatewayVertx.create();
    gateway = new GatewayServer(vertx, sessions, new AuthDecider(directory, clock), GatewayServer.ProxyMode.NGINX);
    gatewayPort = gateway.start("127.0.0.1", 0);
    // the gateway's own Service, as the EndpointSlice controller would show its one ready pod
    EndpointSlice slice = new EndpointSliceBuilder().withNewMetadata().withName(GATEWAY_SERVICE + "-abcde").withNamespace(GATEWAY_NAMESPACE)
        .addToLabels(WakeBackend.SERVICE_NAME_LABEL, GATEWAY_SERVICE).endMetadata()
        .withAddressType("IPv4")
        .withEndpoints(new EndpointBuilder().withAddresses("127.0.0.1").withNewConditions().withReady(true).endConditions().build(),
            new EndpointBuilder().withAddresses("127.0.0.2").withNewConditions().withReady(false).endConditions().build())
        .withPorts(new EndpointPort(null, "http", gatewayPort, "TCP"), new EndpointPort(null, "metrics", 1, "TCP"))
        .build();
    cluster.client().resource(slice).create();
    publisher = new dev.aigc.operator.gateway.ActivityPublisher(cluster.newClient(b -> { }), directory,
        dev.aigc.operator.observe.Telemetry.inMemory()).start();
  }

  @AfterEach
  void stopAll() throws Exception {
    if (nginx != null) {
      nginx.destroy();
      nginx.waitFor(10, TimeUnit.SECONDS);
    }
    if (publisher != null) publisher.close();
    if (gateway != null) gateway.close();
    if (informer != null) informer.close();
    if (vertx != null) vertx.close().toCompletionStage().toCompletableFuture().get();
  }

  private AigcTemplate applyIdlingTemplate() {
    AigcTemplate template = load(Path.of("examples/stable-diffusion-cpu.yaml"), AigcTemplate.class);
    template.getMetadata().setNamespace(NS);
    IdleSpec idle = new IdleSpec();
    idle.setSuspendAfter("1m");
    template.getSpec().getDedicated().setIdle(idle);
    return kubectl.resource(template).create();
  }

  /** The Ingress annotations OKG copies from the GameServerSet the operator wrote. */
  private Map<String, String> ingressAnnotations() {
    Map<String, String> annotations = new LinkedHashMap<>();
    gameServerSet().getSpec().getNetwork().getNetworkConf().stream().filter(p -> p.name().equals("Annotation"))
        .forEach(p -> annotations.put(p.value().substring(0, p.value().indexOf(": ")), p.value().substring(p.value().indexOf(": ") + 2)));
    return annotations;
  }

  /** The default backend as ingress-nginx would resolve it: the annotation's Service, through its EndpointSlice. */
  private NginxConfig.DefaultBackend defaultBackend(AigcInstance instance, boolean routedHasEndpoints) {
    String service = ingressAnnotations().get("nginx.ingress.kubernetes.io/default-backend");
    EndpointSlice slice = kubectl.resources(EndpointSlice.class).inNamespace(NS).withName(service).get();
    String address = slice.getEndpoints().get(0).getAddresses().get(0) + ":" + slice.getPorts().get(0).getPort();
    return new NginxConfig.DefaultBackend(NS, instance.getStatus().getGameServer(), instance.getStatus().getGameServer(), 7860,
        address, routedHasEndpoints);
  }

  /** Writes nginx's configuration for the instance as it is now, and starts or reloads nginx. */
  private void serveIngress(String host, AigcInstance instance, boolean routedHasEndpoints) throws Exception {
    var ingress = new NginxConfig.IngressHost(host, ingressAnnotations(), defaultBackend(instance, routedHasEndpoints));
    if (nginx == null) {
      binary = SystemPrograms.require("nginx-light (or nginx)", "nginx", "/usr/sbin/nginx");
      front = NginxAuthIT.freePort();
      dir = Files.createTempDirectory("nginx");
      Path conf = NginxConfig.writeIngress(dir, front, NginxAuthIT.freePort(), List.of(ingress));
      nginx = new ProcessBuilder(binary.toString(), "-p", dir.toString(), "-c", conf.toString())
          .redirectErrorStream(true).redirectOutput(dir.resolve("nginx.out").toFile()).start();
      await().atMost(WAIT).failFast("nginx exited: see " + dir.resolve("nginx.out"), () -> !nginx.isAlive())
          .ignoreExceptions().until(() -> {
            new Socket("127.0.0.1", front).close();
            return true;
          });
      return;
    }
    String backendPort = Files.readString(dir.resolve("nginx.conf")).replaceAll("(?s).*listen 127\\.0\\.0\\.1:(\\d+) backlog.*", "$1");
    Path conf = NginxConfig.writeIngress(dir, front, Integer.parseInt(backendPort), List.of(ingress));
    Process reload = new ProcessBuilder(binary.toString(), "-p", dir.toString(), "-c", conf.toString(), "-s", "reload")
        .redirectErrorStream(true).start();
    assertThat(reload.waitFor(10, TimeUnit.SECONDS) && reload.exitValue() == 0).as("nginx reloaded").isTrue();
  }

  private HttpResponse<String> browse(String host, String path, String user) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + front + path)).header("Host", host).GET();
    if (user != null) request.header("Cookie", GatewayServer.SESSION_COOKIE + "=" + sessions.seal(user, user + "@example.com", false));
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  static {
    System.setProperty("jdk.httpclient.allowRestrictedHeaders", "host");
  }

  /** Moves the clock past the idle limit and has the instance looked at: it is suspended. */
  private AigcInstance suspend(String name) {
    clock.advance(Duration.ofMinutes(5));
    kubectl.resources(AigcInstance.class).inNamespace(NS).withName(name)
        .edit(i -> {
          i.getMetadata().getAnnotations().put("test.aigc.dev/poke", clock.instant().toString());
          return i;
        });
    return awaitPhase(name, InstancePhase.Suspended);
  }

  /** Alice's instance of an idling template, suspended, behind nginx serving its Ingress as ingress-nginx would. */
  private record Suspended(String host, int id, String disk) {}

  private Suspended aliceSuspendedBehindNginx() throws Exception {
    applyIdlingTemplate();
    install("alice-sd", "alice");
    AigcInstance running = awaitPhase("alice-sd", InstancePhase.Running);
    String host = URI.create(running.getStatus().getUrl()).getHost();
    int id = running.getStatus().getInstanceId();

    // the operator's wake Service, in the instance's namespace, reaches the gateway's ready endpoint only
    String wakeService = Names.wakeService(TEMPLATE);
    await().atMost(WAIT).until(() -> kubectl.resources(EndpointSlice.class).inNamespace(NS).withName(wakeService).get() != null);
    Service service = kubectl.services().inNamespace(NS).withName(wakeService).get();
    assertThat(service.getSpec().getPorts()).singleElement().satisfies(p -> assertThat(p.getTargetPort()).isEqualTo(new IntOrString(gatewayPort)));
    assertThat(kubectl.resources(EndpointSlice.class).inNamespace(NS).withName(wakeService).get().getEndpoints())
        .flatExtracting(e -> e.getAddresses()).containsExactly("127.0.0.1");
    assertThat(ingressAnnotations()).containsEntry("nginx.ingress.kubernetes.io/default-backend", wakeService)
        .containsEntry("nginx.ingress.kubernetes.io/custom-http-errors", "503");

    AigcInstance suspended = suspend("alice-sd");
    await().atMost(WAIT).until(() -> gameServerSet().getSpec().getReserveGameServerIds().contains(new IntOrString(id)));
    await().atMost(WAIT).until(() -> !podExists(id));
    serveIngress(host, suspended, false);
    return new Suspended(host, id, running.getStatus().getVolumeClaim());
  }

  /** Once the woken instance runs, its Service has endpoints again: nginx routes to the app (as ingress-nginx would). */
  private AigcInstance awaitWokenAndRouted(Suspended before) throws Exception {
    AigcInstance woken = awaitPhase("alice-sd", InstancePhase.Running);
    assertThat(woken.getStatus().getInstanceId()).as("the same ID").isEqualTo(before.id());
    assertThat(woken.getStatus().getVolumeClaim()).as("the same disk").isEqualTo(before.disk());
    assertThat(woken.getStatus().getSuspendedAt()).isNull();
    assertThat(gameServerSet().getSpec().getReserveGameServerIds()).doesNotContain(new IntOrString(before.id()));
    assertThat(disk(before.id())).isNotNull();
    serveIngress(before.host(), woken, true);
    return woken;
  }

  @Test
  void theOwnerOpeningHerSuspendedInstanceWakesItWithTheSameIdAndDiskAndOthersNeitherSeeNorWakeIt() throws Exception {
    Suspended alice = aliceSuspendedBehindNginx();
    String host = alice.host();

    // mallory and anonymous callers are stopped by auth-url before the default backend
    assertThat(browse(host, "/", "mallory").statusCode()).isEqualTo(403);
    HttpResponse<String> anonymous = browse(host, "/txt2img?prompt=dog", null);
    assertThat(anonymous.statusCode()).isEqualTo(302);
    assertThat(anonymous.headers().firstValue("Location")).hasValue(SIGN_IN + "?rd=http://" + host + "/txt2img?prompt=dog");
    await().during(Duration.ofSeconds(2)).atMost(WAIT).until(() -> instance("alice-sd").getStatus().getPhase() == InstancePhase.Suspended);
    assertThat(directory.lastAccess()).doesNotContainKey(NS + "/alice-sd");

    HttpResponse<String> starting = browse(host, "/txt2img?prompt=dog", "alice");
    assertThat(starting.statusCode()).isEqualTo(503);
    assertThat(starting.headers().firstValue("Retry-After")).hasValue("2");
    assertThat(starting.body()).contains("Starting your instance alice-sd", "http-equiv=\"refresh\"");

    awaitWokenAndRouted(alice);
    await().atMost(WAIT).until(() -> browse(host, "/txt2img?prompt=dog", "alice").statusCode() == 200);
    assertThat(browse(host, "/", "alice").body()).isEqualTo(host + " for alice\n");
    assertThat(browse(host, "/", "mallory").statusCode()).isEqualTo(403);
  }

  /** In Chromium: the starting page reloads by itself, and lands on the app once nginx routes to it. */
  @Test
  void inABrowserTheStartingPageFollowsTheWakeAndLandsOnTheApp() throws Exception {
    Suspended alice = aliceSuspendedBehindNginx();
    String url = "http://" + alice.host() + ":" + front + "/";
    ChromeDriver browser = chromiumSignedInAsAlice(url);
    try {
      browser.get(url);
      WebDriverWait wait = new WebDriverWait(browser, WAIT);
      wait.until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("h1"), "Starting your instance alice-sd"));
      assertThat(browser.findElement(By.id("phase")).getText()).isIn("Suspended", "Starting");

      awaitWokenAndRouted(alice);
      // no click, no script: the page's own reloads bring the app
      wait.until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("body"), alice.host() + " for alice"));
      assertThat(browser.getCurrentUrl()).isEqualTo(url);
    } finally {
      browser.quit();
    }
  }

  /**
   * In Chromium: a link on another site (her SameSite=Lax cookie goes along with the navigation, and
   * nginx passes the browser's Sec-Fetch-Site to auth-url and the default backend) wakes nothing; the
   * page it lands on has a link, and her click on it wakes the instance.
   */
  @Test
  void inABrowserALinkOnAnotherSiteWakesNothingUntilSheClicksOnThePage() throws Exception {
    Suspended alice = aliceSuspendedBehindNginx();
    String url = "http://" + alice.host() + ":" + front + "/txt2img";
    ChromeDriver browser = chromiumSignedInAsAlice(url);
    try {
      String elsewhere = "<!doctype html><title>elsewhere</title><a id=\"go\" href=\"" + url + "\">a nice picture</a>";
      browser.get("data:text/html;charset=utf-8," + java.net.URLEncoder.encode(elsewhere, java.nio.charset.StandardCharsets.UTF_8)
          .replace("+", "%20"));
      browser.findElement(By.id("go")).click();
      WebDriverWait wait = new WebDriverWait(browser, WAIT);
      wait.until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("h1"), "Your instance alice-sd is suspended"));
      await().during(Duration.ofSeconds(2)).atMost(WAIT).until(() -> instance("alice-sd").getStatus().getPhase() == InstancePhase.Suspended);
      assertThat(directory.lastAccess()).as("neither auth-url nor the page counted it as her use").doesNotContainKey(NS + "/alice-sd");

      browser.findElement(By.linkText("Wake it and open it")).click();
      wait.until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("h1"), "Starting your instance alice-sd"));
      awaitWokenAndRouted(alice);
      wait.until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("body"), alice.host() + " for alice"));
      assertThat(browser.getCurrentUrl()).isEqualTo(url);
    } finally {
      browser.quit();
    }
  }

  /** Headless Chromium holding alice's session cookie for {@code url}, as the gateway sets it (SameSite=Lax). */
  private ChromeDriver chromiumSignedInAsAlice(String url) throws Exception {
    Path chromium = SystemPrograms.require("chromium", "chromium", "chromium-browser", "google-chrome");
    Path driver = SystemPrograms.require("chromium-driver", "chromedriver", "/usr/lib/chromium/chromedriver");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(chromium.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--user-data-dir=" + Files.createTempDirectory("chromium"),
        "--host-resolver-rules=MAP *.example.com 127.0.0.1",
        // Chromium sends Fetch Metadata (Sec-Fetch-Site) to trustworthy origins only: instances are
        // served over HTTPS, here over plain http
        "--unsafely-treat-insecure-origin-as-secure=" + URI.create(url).resolve("/").toString().replaceAll("/$", ""));
    ChromeDriver browser = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(driver.toFile()).build(), options);
    browser.executeCdpCommand("Network.setCookie", Map.of("name", GatewayServer.SESSION_COOKIE,
        "value", sessions.seal("alice", "alice@example.com", false), "url", url, "sameSite", "Lax", "httpOnly", true));
    return browser;
  }
}
