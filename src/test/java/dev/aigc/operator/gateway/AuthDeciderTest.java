package dev.aigc.operator.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.AigcInstanceSpec;
import dev.aigc.operator.api.AigcInstanceStatus;
import dev.aigc.operator.api.InstancePhase;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Each case is a way past the check that must fail; removing the check it tests makes it fail. */
class AuthDeciderTest {
  private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");
  private static final String ALICE_HOST = "instances0-cpu.example.com";
  private static final Optional<Session> ALICE = Optional.of(new Session("alice", "alice@example.com", false, NOW.plusSeconds(3600)));
  private static final Optional<Session> BOB = Optional.of(new Session("bob", null, true, NOW.plusSeconds(3600)));

  private final InstanceDirectory directory = new InstanceDirectory();
  private final AuthDecider decider = new AuthDecider(directory, Clock.fixed(NOW, ZoneOffset.UTC));

  static AigcInstance instance(String name, String owner, String url, InstancePhase phase) {
    AigcInstance i = new AigcInstance();
    i.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("team-a").build());
    AigcInstanceSpec spec = new AigcInstanceSpec();
    spec.setOwner(owner);
    spec.setTemplate("stable-diffusion-cpu");
    i.setSpec(spec);
    AigcInstanceStatus status = new AigcInstanceStatus();
    status.setUrl(url);
    status.setPhase(phase);
    i.setStatus(status);
    return i;
  }

  @BeforeEach
  void aliceRunsAnInstance() {
    directory.upsert(instance("alice-sd", "alice", "http://" + ALICE_HOST + "/", InstancePhase.Running));
    directory.upsert(instance("bob-sd", "bob", "http://instances1-cpu.example.com/", InstancePhase.Running));
  }

  @Test
  void theOwnerIsLetThroughWithHerNameAndEmail() {
    var d = decider.decide("http://" + ALICE_HOST + "/sdapi/v1/options?x=1", ALICE);
    assertThat(d.status()).isEqualTo(200);
    assertThat(d.user()).isEqualTo("alice");
    assertThat(d.email()).isEqualTo("alice@example.com");
    assertThat(directory.lastAccess()).containsEntry("team-a/alice-sd", NOW);
  }

  /** A request another site started is let through for its owner but is not her use: nothing is touched. */
  @Test
  void theOwnersRequestFromAnotherSiteIsLetThroughWithoutCountingAsUse() {
    var d = decider.decide("http://" + ALICE_HOST + "/", Optional.of(ALICE_HOST), ALICE, false);
    assertThat(d.status()).isEqualTo(200);
    assertThat(directory.lastAccess()).isEmpty();
    assertThat(decider.decide("http://" + ALICE_HOST + "/", Optional.of(ALICE_HOST), BOB, false).status()).isEqualTo(403);
  }

  @Test
  void withoutASessionTheAnswerIs401SoNginxSendsTheBrowserToSignIn() {
    assertThat(decider.decide("http://" + ALICE_HOST + "/", Optional.empty()).status()).isEqualTo(401);
  }

  @Test
  void anotherUserIsForbiddenEvenAnAdmin() {
    assertThat(decider.decide("http://" + ALICE_HOST + "/", BOB).status()).isEqualTo(403);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "http://instances1-cpu.example.com/?next=http://" + ALICE_HOST + "/",
      "http://instances1-cpu.example.com/" + ALICE_HOST,
      "http://x" + ALICE_HOST + "/",
      "http://" + ALICE_HOST + ".evil.test/",
      "http://" + ALICE_HOST + "@instances1-cpu.example.com/",
      "http://evil.test/#" + ALICE_HOST,
  })
  void alicesHostAnywhereButAsTheExactHostDoesNotCount(String url) {
    assertThat(decider.decide(url, ALICE).status()).isEqualTo(403);
  }

  @ParameterizedTest
  @ValueSource(strings = {"http://INSTANCES0-CPU.EXAMPLE.COM/", "https://instances0-cpu.example.com:443/",
      "http://instances0-cpu.example.com.:80/"})
  void caseAndPortVariantsAreTheSameHostForTheOwnerAndForOthers(String url) {
    assertThat(decider.decide(url, ALICE).status()).isEqualTo(200);
    assertThat(decider.decide(url, BOB).status()).isEqualTo(403);
  }

  @Test
  void aMissingOrBrokenOriginalUrlIsForbidden() {
    assertThat(decider.decide(null, ALICE).status()).isEqualTo(403);
    assertThat(decider.decide("not a url", ALICE).status()).isEqualTo(403);
  }

  @Test
  void aStoppedOrDeletedInstanceLetsNobodyThrough() {
    directory.upsert(instance("alice-sd", "alice", "http://" + ALICE_HOST + "/", InstancePhase.Stopped));
    assertThat(decider.decide("http://" + ALICE_HOST + "/", ALICE).status()).isEqualTo(403);
    AigcInstance deleted = instance("alice-sd", "alice", "http://" + ALICE_HOST + "/", InstancePhase.Running);
    directory.remove(deleted);
    assertThat(decider.decide("http://" + ALICE_HOST + "/", ALICE).status()).isEqualTo(403);
  }

  @Test
  void theRoutedHostMustBeTheRequestedOneWhoeverAsks() {
    String bobsUrl = "http://instances1-cpu.example.com/";
    // routed to alice's server block by the request line, with bob's host in the Host header
    var refused = decider.decide(bobsUrl, Optional.of(ALICE_HOST), BOB);
    assertThat(refused.status()).isEqualTo(403);
    assertThat(refused.routing()).isEqualTo(AuthDecider.Routing.HOST_MISMATCH);
    assertThat(decider.decide(bobsUrl, Optional.of(ALICE_HOST), Optional.empty()).status())
        .as("refused, not sent to sign in").isEqualTo(403);
    assertThat(decider.decide("http://" + ALICE_HOST + "/", Optional.of("instances1-cpu.example.com"), ALICE).status())
        .as("the owner's host in the URL does not open what was routed elsewhere").isEqualTo(403);
    assertThat(decider.decide(null, Optional.of(ALICE_HOST), ALICE).routing()).isEqualTo(AuthDecider.Routing.HOST_MISMATCH);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "$server_name", "_", "instances0-cpu.example.com/x", "a b"})
  void aRoutedHostThatIsNoHostNameIsRefused(String routed) {
    var d = decider.decide("http://" + ALICE_HOST + "/", Optional.of(routed), ALICE);
    assertThat(d.status()).isEqualTo(403);
    assertThat(d.routing()).isEqualTo(AuthDecider.Routing.NO_ROUTED_HOST);
  }

  @ParameterizedTest
  @ValueSource(strings = {"instances0-cpu.example.com", "INSTANCES0-CPU.example.com", "instances0-cpu.example.com."})
  void theOwnerGetsInWhenTheRoutedAndRequestedHostAgreeAndAnotherUserStillDoesNot(String routed) {
    for (String url : List.of("http://" + ALICE_HOST + "/", "https://Instances0-CPU.example.com:8443/x")) {
      assertThat(decider.decide(url, Optional.of(routed), ALICE).status()).isEqualTo(200);
      assertThat(decider.decide(url, Optional.of(routed), BOB).status()).isEqualTo(403);
      assertThat(decider.decide(url, Optional.of(routed), Optional.empty()).status()).as("sign in").isEqualTo(401);
    }
  }

  @Test
  void twoInstancesClaimingOneHostLetNobodyThrough() {
    directory.upsert(instance("mallory-sd", "mallory", "http://" + ALICE_HOST + "/", InstancePhase.Running));
    assertThat(decider.decide("http://" + ALICE_HOST + "/", ALICE).status()).isEqualTo(403);
  }
}
