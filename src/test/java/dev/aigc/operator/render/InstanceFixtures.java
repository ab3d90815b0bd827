package dev.aigc.operator.render;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.AigcInstanceSpec;
import dev.aigc.operator.api.InstanceState;
import dev.aigc.operator.okg.GameServer;
import dev.aigc.operator.okg.GameServerStatus;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;

/** alice's instance of the CPU example at generation 3, and GameServers in a given state, for status tests. */
public final class InstanceFixtures {
  private InstanceFixtures() {}

  public static AigcInstance instance(InstanceState state) {
    AigcInstance i = new AigcInstance();
    i.setMetadata(new ObjectMetaBuilder().withName("alice-sd").withNamespace("default").withGeneration(3L).build());
    AigcInstanceSpec spec = new AigcInstanceSpec();
    spec.setTemplate("stable-diffusion-cpu");
    spec.setOwner("alice");
    spec.setState(state);
    i.setSpec(spec);
    return i;
  }

  public static GameServer gameServer(String state) {
    GameServer gs = new GameServer();
    GameServerStatus status = new GameServerStatus();
    status.setCurrentState(state);
    gs.setStatus(status);
    return gs;
  }
}
