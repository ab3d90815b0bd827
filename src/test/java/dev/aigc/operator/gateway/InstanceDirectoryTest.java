package dev.aigc.operator.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.InstancePhase;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class InstanceDirectoryTest {
  private static final String URL = "http://instances3-cpu.example.com/";
  private final InstanceDirectory directory = new InstanceDirectory();

  /**
   * The informer updates an instance every time its status is written (activity once a minute):
   * meanwhile its owner's /auth must always find it, never a moment without it.
   */
  @Test
  void anInstanceBeingUpdatedIsNeverMissingForLookups() throws Exception {
    AigcInstance running = AuthDeciderTest.instance("alice-sd", "alice", URL, InstancePhase.Running);
    running.getStatus().setGameServer("stable-diffusion-cpu-3");
    directory.upsert(running);
    AtomicBoolean done = new AtomicBoolean();
    AtomicLong misses = new AtomicLong();
    AtomicLong looks = new AtomicLong();
    Thread reader = new Thread(() -> {
      while (!done.get()) {
        looks.incrementAndGet();
        if (directory.lookup("instances3-cpu.example.com").isEmpty()) misses.incrementAndGet();
        if (directory.byIngress("team-a", "stable-diffusion-cpu-3").isEmpty()) misses.incrementAndGet();
      }
    });
    reader.start();
    for (int i = 0; i < 200_000; i++) {
      running.getStatus().setLastActivity("2026-11-24T10:00:" + String.format("%02d", i % 60) + "Z");
      directory.upsert(running);
    }
    done.set(true);
    reader.join();
    assertThat(looks.get()).isPositive();
    assertThat(misses.get()).as("lookups that found no instance while it was being updated").isZero();
  }

  @Test
  void aMovedHostOrIdLeavesNothingBehind() {
    AigcInstance alice = AuthDeciderTest.instance("alice-sd", "alice", URL, InstancePhase.Running);
    alice.getStatus().setGameServer("stable-diffusion-cpu-3");
    directory.upsert(alice);
    alice.getStatus().setUrl("http://instances4-cpu.example.com/");
    alice.getStatus().setGameServer("stable-diffusion-cpu-4");
    directory.upsert(alice);
    assertThat(directory.lookup("instances3-cpu.example.com")).isEmpty();
    assertThat(directory.byIngress("team-a", "stable-diffusion-cpu-3")).isEmpty();
    assertThat(directory.lookup("instances4-cpu.example.com")).map(InstanceDirectory.Entry::name).contains("alice-sd");
    directory.remove(alice);
    assertThat(directory.lookup("instances4-cpu.example.com")).isEmpty();
    assertThat(directory.byIngress("team-a", "stable-diffusion-cpu-4")).isEmpty();
  }
}
