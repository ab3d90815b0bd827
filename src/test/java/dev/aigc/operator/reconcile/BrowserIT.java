package dev.aigc.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aigc.operator.gateway.ActivityPublisher;
import dev.aigc.operator.gateway.AuthDecider;
import dev.aigc.operator.gateway.Catalog;
import dev.aigc.operator.gateway.GatewayServer;
import dev.aigc.operator.gateway.GatewaySettings;
import dev.aigc.operator.gateway.InstanceDirectory;
import dev.aigc.operator.gateway.OidcProvider;
import dev.aigc.operator.gateway.OidcSettings;
import dev.aigc.operator.gateway.SessionCodec;
import dev.aigc.operator.sim.SystemPrograms;
import io.vertx.core.Vertx;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A user in real Chromium: signs in at the provider's login page, installs, sees Running, stops,
 * starts, deletes, signs out; an admin sees every user's instances apart from their own, and filters them.
 */
class BrowserIT extends OperatorTestBase {
  private MockOAuth2Server oidc;
  private Vertx vertx;
  private GatewayServer gateway;
  private Catalog catalog;
  private WebDriver browser;
  private String home;
  private int gatewayPort;
  private ActivityPublisher activity;
  /** The operator's idle decisions run this far ahead of the wall clock (the dashboard's times stay real). */
  private volatile Duration ahead = Duration.ZERO;

  @Override
  void startOperator() {
    operatorClient = cluster.newClient(b -> { });
    Clock movable = new Clock() {
      @Override public java.time.Instant instant() { return java.time.Instant.now().plus(ahead); }
      @Override public java.time.ZoneId getZone() { return java.time.ZoneOffset.UTC; }
      @Override public Clock withZone(java.time.ZoneId zone) { return this; }
    };
    operator = new AigcOperator(operatorClient, SETTINGS, dev.aigc.operator.observe.Telemetry.inMemory(), movable).start();
  }

  @BeforeEach
  void startEverything() throws Exception {
    Path chromium = SystemPrograms.require("chromium", "chromium", "chromium-browser", "google-chrome");
    Path driver = SystemPrograms.require("chromium-driver", "chromedriver", "/usr/lib/chromium/chromedriver");

    oidc = new MockOAuth2Server(new OAuth2Config(true));
    oidc.start();
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    home = "http://aigc.example.test:" + port + "/";
    gatewayPort = port;
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    SessionCodec sessions = new SessionCodec(List.of(key), Duration.ofHours(8), Clock.systemUTC());
    // plain http in the test, so the dev flag drops Secure; GatewayIT checks the production cookie
    GatewaySettings settings = new GatewaySettings(home, "example.test", "127.0.0.1", port, Duration.ofHours(8), true,
        GatewayServer.ProxyMode.NGINX);
    OidcProvider provider = OidcProvider.discover(new OidcSettings(oidc.issuerUrl("default").toString(), "aigc-gateway",
        "not-a-real-secret", home + "callback", "sub", "groups", "aigc-admins"), HttpClient.newHttpClient());
    InstanceDirectory directory = new InstanceDirectory();
    var gatewayClient = cluster.newClient(b -> { });
    catalog = new Catalog(gatewayClient, directory);
    activity = new ActivityPublisher(gatewayClient, directory, dev.aigc.operator.observe.Telemetry.inMemory()).start();
    vertx = Vertx.vertx();
    gateway = new GatewayServer(vertx, settings, sessions, new AuthDecider(directory, Clock.systemUTC()), provider, catalog);
    gateway.start("127.0.0.1", port);
    applyExampleTemplate();

    ChromeOptions options = new ChromeOptions();
    options.setBinary(chromium.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1280,900",
        "--user-data-dir=" + Files.createTempDirectory("chromium"),
        "--host-resolver-rules=MAP *.example.test 127.0.0.1");
    browser = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(driver.toFile()).build(), options);
  }

  @AfterEach
  void stopEverything() throws Exception {
    if (browser != null) browser.quit();
    if (activity != null) activity.close();
    if (gateway != null) gateway.close();
    if (catalog != null) catalog.close();
    if (vertx != null) vertx.close().toCompletionStage().toCompletableFuture().get();
    if (oidc != null) oidc.shutdown();
  }

  @Test
  void aUserSignsInInstallsStopsStartsDeletesAnInstanceAndSignsOut() throws Exception {
    WebDriverWait wait = new WebDriverWait(browser, WAIT);
    browser.get(home);
    wait.until(ExpectedConditions.elementToBeClickable(By.id("sign-in"))).click();

    WebElement username = wait.until(ExpectedConditions.presenceOfElementLocated(By.name("username")));
    username.sendKeys("alice");
    username.submit();

    wait.until(ExpectedConditions.textToBe(By.id("user"), "alice"));
    assertThat(browser.findElement(By.id("all-users")).isDisplayed()).as("users never get the view of all users").isFalse();
    WebElement install = wait.until(ExpectedConditions.elementToBeClickable(
        By.cssSelector("[data-template='" + TEMPLATE + "'] button.install")));
    install.click();

    By phase = By.cssSelector("tr[data-instance] .phase");
    wait.until(ExpectedConditions.textToBe(phase, "Running"));
    assertThat(browser.findElement(By.cssSelector("tr[data-instance] a.open")).getAttribute("href"))
        .isEqualTo("http://instances0-cpu.example.com/");
    screenshot("running");

    // the admin publishes a new image: alice's instance keeps running, and she is offered the update
    editTemplate(t -> t.getSpec().getApp().setImage("yunqi-registry.cn-shanghai.cr.aliyuncs.com/lab/stable-diffusion:v1.0.1-cpu"));
    By update = By.cssSelector("tr[data-instance] .update");
    wait.until(ExpectedConditions.textToBe(update, "Update available — restart to update"));
    assertThat(browser.findElement(update).getAttribute("title")).contains("changes image");
    screenshot("update-available");
    WebElement restart = browser.findElement(By.cssSelector("tr[data-instance] button.restart"));
    assertThat(restart.getText()).isEqualTo("Restart to update");
    restart.click();
    // the pod is re-created on the new version, and the dashboard stops offering the update
    org.awaitility.Awaitility.await().atMost(WAIT).until(() -> {
      var pod = kubectl.pods().inNamespace(NS).withName(TEMPLATE + "-0").get();
      return pod != null && pod.getMetadata().getDeletionTimestamp() == null
          && pod.getSpec().getContainers().get(0).getImage().endsWith(":v1.0.1-cpu");
    });
    wait.until(ExpectedConditions.textToBe(phase, "Running"));
    wait.until(ExpectedConditions.invisibilityOfElementLocated(update));

    browser.findElement(By.cssSelector("tr[data-instance] button.stop")).click();
    wait.until(ExpectedConditions.textToBe(phase, "Stopped"));
    browser.findElement(By.cssSelector("tr[data-instance] button.start")).click();
    wait.until(ExpectedConditions.textToBe(phase, "Running"));

    browser.findElement(By.cssSelector("tr[data-instance] button.delete")).click();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("delete-data"))).click();
    browser.findElement(By.id("delete-confirm")).click();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("no-instances")));
    awaitGone(instanceNameOf());
    org.awaitility.Awaitility.await().atMost(WAIT).until(() -> disk(0) == null);

    // the dashboard's sign-out is a POST from the gateway's origin, which the gateway accepts
    String copied = browser.manage().getCookieNamed(GatewayServer.SESSION_COOKIE).getValue();
    assertThat(me(copied)).isEqualTo(200);
    browser.findElement(By.id("sign-out")).click();
    wait.until(ExpectedConditions.elementToBeClickable(By.id("sign-in")));
    assertThat(browser.manage().getCookieNamed(GatewayServer.SESSION_COOKIE)).isNull();
    assertThat(me(copied)).as("a copy of the cookie is refused too").isEqualTo(401);
  }

  @Test
  void aSuspendedInstanceSaysWhenItWasLastUsedAndOpenWakesIt() throws Exception {
    editTemplate(t -> {
      var idle = new dev.aigc.operator.api.IdleSpec();
      idle.setSuspendAfter("1m");
      t.getSpec().getDedicated().setIdle(idle);
    });
    WebDriverWait wait = new WebDriverWait(browser, WAIT);
    browser.get(home);
    wait.until(ExpectedConditions.elementToBeClickable(By.id("sign-in"))).click();
    WebElement username = wait.until(ExpectedConditions.presenceOfElementLocated(By.name("username")));
    username.sendKeys("alice");
    username.submit();
    wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("[data-template='" + TEMPLATE + "'] button.install"))).click();
    By phase = By.cssSelector("tr[data-instance] .phase");
    wait.until(ExpectedConditions.textToBe(phase, "Running"));

    // last used two hours ago (as a gateway would have published it), and the operator's time past the limit
    ahead = Duration.ofMinutes(10);
    kubectl.resources(dev.aigc.operator.api.AigcInstance.class).inNamespace(NS).withName(instanceNameOf()).subresource("status")
        .patch(io.fabric8.kubernetes.client.dsl.base.PatchContext.of(io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
            "{\"status\":{\"lastActivity\":\"" + java.time.Instant.now().minus(Duration.ofHours(2)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + "\"}}");
    awaitPhase(instanceNameOf(), dev.aigc.operator.api.InstancePhase.Suspended);
    browser.navigate().refresh();
    By status = By.cssSelector("tr[data-instance] td:nth-child(3)");
    wait.until(ExpectedConditions.textToBePresentInElementLocated(status, "Suspended — last used 2 hours ago"));
    screenshot("suspended");

    String dashboard = browser.getWindowHandle();
    WebElement open = browser.findElement(By.cssSelector("tr[data-instance] a.open"));
    assertThat(open.getAttribute("title")).isEqualTo("Wake and open");
    open.click();
    // the instance's address opens in a new tab, as Open does for a running one
    wait.until(ExpectedConditions.numberOfWindowsToBe(2));
    String opened = browser.getWindowHandles().stream().filter(h -> !h.equals(dashboard)).findFirst().orElseThrow();
    assertThat(browser.switchTo().window(opened).getCurrentUrl()).startsWith("http://instances0-cpu.example.com/");
    browser.close();
    browser.switchTo().window(dashboard);
    // the wake reached the cluster: the operator starts it again, and the dashboard follows
    wait.until(ExpectedConditions.textToBe(phase, "Running"));
    assertThat(instance(instanceNameOf()).getStatus().getSuspendedAt()).isNull();
  }

  @Test
  void anAdminSeesEveryUsersInstancesWithOwnersApartFromTheirOwnAndFiltersThem() throws Exception {
    install("alice-sd", "alice");
    install("bob-sd", "bob");
    WebDriverWait wait = new WebDriverWait(browser, WAIT);
    browser.get(home);
    wait.until(ExpectedConditions.elementToBeClickable(By.id("sign-in"))).click();
    WebElement username = wait.until(ExpectedConditions.presenceOfElementLocated(By.name("username")));
    username.sendKeys("root");
    WebElement claims = browser.findElement(By.name("claims"));
    claims.clear();
    claims.sendKeys("{\"groups\": [\"aigc-admins\"]}");
    username.submit();

    wait.until(ExpectedConditions.textToBe(By.id("user"), "root (admin)"));
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("all-instances")));
    By everyone = By.cssSelector("#all-instances tr[data-instance]");
    wait.until(ExpectedConditions.numberOfElementsToBe(everyone, 2));
    assertThat(browser.findElements(By.cssSelector("#all-instances td.owner"))).extracting(WebElement::getText)
        .containsExactly("alice", "bob");
    assertThat(browser.findElements(By.cssSelector("#all-instances a.open"))).as("only owners open instances, admins included").isEmpty();
    assertThat(browser.findElement(By.id("no-instances")).isDisplayed()).as("the admin's own list stays theirs: empty").isTrue();
    assertThat(browser.findElement(By.id("instances")).isDisplayed()).isFalse();
    screenshot("all-users");

    WebElement owner = browser.findElement(By.id("filter-owner"));
    owner.sendKeys("bob", org.openqa.selenium.Keys.ENTER);
    wait.until(ExpectedConditions.numberOfElementsToBe(everyone, 1));
    assertThat(browser.findElement(everyone).getAttribute("data-owner")).isEqualTo("bob");
    new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("filter-phase"))).selectByValue("Failed");
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("no-all-instances")));
    assertThat(browser.findElements(everyone)).isEmpty();
  }

  private int me(String session) throws Exception {
    return HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + gatewayPort + "/api/v1/me"))
        .header("Cookie", GatewayServer.SESSION_COOKIE + "=" + session).build(),
        java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private String instanceNameOf() {
    return "alice-" + TEMPLATE;
  }

  private void screenshot(String name) throws Exception {
    Path target = Path.of("target", "screenshots");
    Files.createDirectories(target);
    Files.write(target.resolve(name + ".png"), ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
  }
}
