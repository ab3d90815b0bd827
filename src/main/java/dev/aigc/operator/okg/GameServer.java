package dev.aigc.operator.okg;

import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Version;

/** Created by OKG for each pod of a GameServerSet, named like the pod. */
@Group("game.kruise.io")
@Version("v1alpha1")
@Kind("GameServer")
@Plural("gameservers")
public class GameServer extends CustomResource<GameServerSpec, GameServerStatus> implements Namespaced {}
