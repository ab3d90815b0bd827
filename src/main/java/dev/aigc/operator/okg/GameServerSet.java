package dev.aigc.operator.okg;

import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Version;

@Group("game.kruise.io")
@Version("v1alpha1")
@Kind("GameServerSet")
@Plural("gameserversets")
public class GameServerSet extends CustomResource<GameServerSetSpec, GameServerSetStatus>
    implements Namespaced {
  /** OKG's own record of the last explicit reserve set; never remove it when updating. */
  public static final String RESERVE_IDS_ANNOTATION = "game.kruise.io/reserve-ids";
  /** Label OKG puts on the pods and GameServers of a set. */
  public static final String OWNER_GSS_LABEL = "game.kruise.io/owner-gss";

  /** The pod, GameServer and Service name of one ID. */
  public static String podName(String gss, int id) {
    return gss + "-" + id;
  }
}
