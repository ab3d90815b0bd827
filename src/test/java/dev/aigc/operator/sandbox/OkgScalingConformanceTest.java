package dev.aigc.operator.sandbox;

import static dev.aigc.operator.sandbox.OkgScaling.DELETE_PRIORITY_LABEL;
import static dev.aigc.operator.sandbox.OkgScaling.LIFECYCLE_STATE_LABEL;
import static dev.aigc.operator.sandbox.OkgScaling.OPS_STATE_LABEL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.aigc.operator.sandbox.OkgScaling.Asts;
import dev.aigc.operator.sandbox.OkgScaling.Computed;
import dev.aigc.operator.sandbox.OkgScaling.Gss;
import dev.aigc.operator.sandbox.OkgScaling.PodView;
import io.fabric8.kubernetes.api.model.IntOrString;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * OKG's own unit tests, case by case, against {@link OkgScaling}: kruise-game master d76ace2,
 * {@code pkg/controllers/gameserverset/gameserverset_manager_test.go} (TestComputeToScaleGs,
 * TestNumberToKill, TestIsNeedToScale, TestGameServerScale) and {@code pkg/util/set_test.go},
 * {@code pkg/util/slice_test.go} (the reserve ID formats). Display names are the Go case names.
 */
class OkgScalingConformanceTest {
  private static final String NONE = OkgScaling.NONE;
  private static final String MAINTAINING = OkgScaling.MAINTAINING;
  private static final String WAIT_TO_DELETE = OkgScaling.WAIT_TO_BE_DELETED;
  private static final String KILL = OkgScaling.KILL;

  // ---- TestComputeToScaleGs: all of its table cases (case 0 to case 11) ----

  static Stream<Arguments> computeToScaleGsCases() {
    return Stream.of(
        arguments("case 0", set(2, 3, 4), set(2, 3), set(5), 3,
            List.of(pod("xxx-0", NONE, "10"), pod("xxx-1", MAINTAINING, "0"), pod("xxx-4", WAIT_TO_DELETE, "0"),
                pod("xxx-6", NONE, "0")),
            set(2, 3, 4, 5), set(0, 1, 6)),
        arguments("case 1", set(0, 2, 3), set(0, 4, 5), set(), 3,
            List.of(pod("xxx-1", NONE, "0"), pod("xxx-2", NONE, "0"), pod("xxx-3", NONE, "0"), pod("xxx-6", NONE, "0"),
                pod("xxx-7", NONE, "0")),
            set(0, 2, 3, 4, 5), set(1, 6, 7)),
        arguments("case 2", set(0), set(0, 4, 5), set(), 1,
            List.of(pod("xxx-1", NONE, "0"), pod("xxx-2", NONE, "0"), pod("xxx-3", NONE, "0"), pod("xxx-6", NONE, "0"),
                pod("xxx-7", NONE, "0")),
            set(0, 2, 3, 4, 5, 6, 7), set(1)),
        arguments("case 3", set(0, 2, 3), set(0, 4, 5), set(), 4,
            List.of(pod("xxx-1", NONE, "0"), pod("xxx-2", NONE, "0"), pod("xxx-3", NONE, "0"), pod("xxx-6", NONE, "0"),
                pod("xxx-7", NONE, "0")),
            set(0, 2, 3, 5), set(1, 4, 6, 7)),
        arguments("case 4", set(0, 3, 5), set(0, 3, 5), set(), 1,
            List.of(pod("xxx-1", NONE, "0"), pod("xxx-2", NONE, "0"), pod("xxx-4", NONE, "0"), pod("xxx-6", NONE, "0")),
            set(0, 3, 5, 2, 4, 6), set(1)),
        arguments("case 5", set(1, 2), set(), set(1, 2), 2,
            List.of(pod("xxx-0", NONE, "0"), pod("xxx-3", NONE, "0")),
            set(1, 2), set(0, 3)),
        arguments("case 6", set(), set(), set(), 3, List.of(), set(), set(0, 1, 2)),
        arguments("case 7", set(1, 2), set(), set(), 3, List.of(), set(1, 2), set(0, 3, 4)),
        arguments("case 8", set(0), set(), set(0), 1, List.of(), set(0), set(1)),
        arguments("case 9", set(), set(1), set(), 2,
            List.of(pod("xxx-0", NONE, "0"), pod("xxx-2", NONE, "0")),
            set(1), set(0, 2)),
        arguments("case 10", set(0), set(), set(2, 3, 4), 4,
            List.of(pod("xxx-1", NONE, "0")),
            set(0), set(1, 2, 3, 4)),
        // xxx-2 is PreparingDelete and has a deletionTimestamp; xxx-3 is only PreparingDelete
        arguments("case 11", set(), set(), set(2, 3, 4), 4,
            List.of(pod("xxx-0", NONE, "0"), pod("xxx-1", NONE, "0"),
                PodView.of("xxx-2", labels(NONE, "0", true), true),
                PodView.of("xxx-3", labels(NONE, "0", true), false)),
            set(3), set(0, 1, 2, 4)));
  }

  @ParameterizedTest(name = "TestComputeToScaleGs {0}")
  @MethodSource("computeToScaleGsCases")
  void computeToScaleGs(String name, Set<Integer> newGssReserveIds, Set<Integer> oldGssReserveIds,
      Set<Integer> notExistIds, int expectedReplicas, List<PodView> pods, Set<Integer> newReserveIds,
      Set<Integer> newManageIds) {
    Computed computed = OkgScaling.computeToScaleGs(newGssReserveIds, oldGssReserveIds, notExistIds, expectedReplicas, pods);
    assertThat(computed.newReserveIds()).as("newReserveIds").isEqualTo(newReserveIds);
    assertThat(computed.workloadManageIds()).as("newManageIds").isEqualTo(newManageIds);
  }

  // ---- TestNumberToKill (GetReplicasAfterKilling): case 0 to case 3 ----

  static Stream<Arguments> numberToKillCases() {
    List<PodView> killAndTwo = List.of(PodView.of("xxx-0", Map.of(OPS_STATE_LABEL, KILL), false),
        PodView.of("xxx-2", Map.of(), false), PodView.of("xxx-4", Map.of(), false));
    // xxx-2 has a deletionTimestamp (held by a finalizer)
    List<PodView> killAndTerminating = List.of(PodView.of("xxx-0", Map.of(OPS_STATE_LABEL, KILL), false),
        PodView.of("xxx-2", Map.of(), true), PodView.of("xxx-4", Map.of(), false));
    return Stream.of(
        arguments("case 0", 3, 3, killAndTwo, 2),
        arguments("case 1", 3, 3, killAndTerminating, 3),
        arguments("case 2", 2, 2, killAndTerminating, 2),
        arguments("case 3", 4, 3, killAndTerminating, 4));
  }

  @ParameterizedTest(name = "TestNumberToKill {0}")
  @MethodSource("numberToKillCases")
  void numberToKill(String name, int gssReplicas, int astsReplicas, List<PodView> podList, int number) {
    assertThat(OkgScaling.getReplicasAfterKilling(new Gss(gssReplicas, null, null, null), new Asts(astsReplicas, null), podList))
        .isEqualTo(number);
  }

  // ---- TestIsNeedToScale: case 0 to case 2 ----

  static Stream<Arguments> isNeedToScaleCases() {
    return Stream.of(
        arguments("case 0", new Gss(5, null, null, null), new Asts(5, null), false),
        arguments("case 1", new Gss(5, ints(1, 5), Map.of(OkgScaling.RESERVE_IDS_ANNOTATION, "1,5"), null), new Asts(5, null), false),
        arguments("case 2", new Gss(5, ints(1, 5), null, null), new Asts(5, null), true));
  }

  @ParameterizedTest(name = "TestIsNeedToScale {0}")
  @MethodSource("isNeedToScaleCases")
  void isNeedToScale(String name, Gss gss, Asts asts, boolean result) {
    assertThat(OkgScaling.isNeedToScale(gss, asts)).isEqualTo(result);
  }

  // ---- TestGameServerScale: case0 to case4 (scaleDownStrategyType unset, i.e. General) ----

  static Stream<Arguments> gameServerScaleCases() {
    Map<String, String> annotated = Map.of(OkgScaling.RESERVE_IDS_ANNOTATION, "1");
    List<PodView> fourPods = List.of(pod("c-0", NONE, "10"), pod("c-2", WAIT_TO_DELETE, "0"), pod("c-3", NONE, "0"),
        pod("c-4", MAINTAINING, "0"));
    return Stream.of(
        arguments("case0: scale down without reserveIds", new Gss(3, ints(1), annotated, null), new Asts(4, ints(1)),
            fourPods, set(1, 2), "1"),
        arguments("case1: scale down with reserveIds", new Gss(3, ints(1, 0), annotated, null), new Asts(4, ints(1)),
            fourPods, set(0, 1), "0,1"),
        arguments("case2: scale up with reserveIds", new Gss(5, List.of(), annotated, null), new Asts(4, ints(1)),
            fourPods, set(), ""),
        arguments("case3: scale up with both reserveIds and others", new Gss(5, List.of(), annotated, null),
            new Asts(3, ints(1, 3)),
            List.of(pod("c-0", NONE, "10"), pod("c-2", WAIT_TO_DELETE, "0"), pod("c-4", MAINTAINING, "0")),
            set(), ""),
        arguments("case4: scale up when pods with PreDelete state", new Gss(5, List.of(), null, null),
            new Asts(3, ints(3, 4, 5)),
            List.of(pod("c-0", NONE, "0"), pod("c-1", NONE, "0"), pod("c-2", NONE, "0"),
                PodView.of("c-3", labels(NONE, "0", true), false)),
            set(3), ""));
  }

  @ParameterizedTest(name = "TestGameServerScale {0}")
  @MethodSource("gameServerScaleCases")
  void gameServerScale(String name, Gss gss, Asts asts, List<PodView> podList, Set<Integer> astsReserveIds,
      String gssReserveIds) {
    OkgScaling.Scale scale = OkgScaling.gameServerScale(gss, asts, podList);
    assertThat(OkgScaling.getReserveOrdinalIntSet(scale.asts().reserveOrdinals())).isEqualTo(astsReserveIds);
    assertThat(scale.asts().replicas()).isEqualTo(gss.replicas());
    String annotationAfter = scale.annotationPatch() != null ? scale.annotationPatch()
        : gss.annotations() == null ? "" : gss.annotations().getOrDefault(OkgScaling.RESERVE_IDS_ANNOTATION, "");
    assertThat(annotationAfter).isEqualTo(gssReserveIds);
    assertThat(scale.patchSpecReserve()).as("General never patches the spec").isFalse();
  }

  // ---- beyond OKG's tests: the ReserveIds write-back in its formats ----

  @Test
  void reserveIdsStrategyWritesRemovedIdsBackAsRangesAndRecordsThemInTheAnnotation() {
    // IDs 5, 6, 7 and 9 left the explicit list while their pods were gone; 1 and 2 are explicit
    Gss gss = new Gss(2, ints(1, 2), Map.of(OkgScaling.RESERVE_IDS_ANNOTATION, "1,2,5-7,9"), OkgScaling.RESERVE_IDS_STRATEGY);
    Asts asts = new Asts(2, List.of(new IntOrString(1), new IntOrString(2), new IntOrString("5-7"), new IntOrString(9)));
    OkgScaling.Scale scale = OkgScaling.gameServerScale(gss, asts,
        List.of(pod("s-0", NONE, "0"), pod("s-3", NONE, "0"), pod("s-4", NONE, "0")));

    assertThat(scale.computed().workloadManageIds()).containsExactly(0, 3);
    assertThat(scale.computed().newReserveIds()).containsExactly(1, 2, 4, 5, 6, 7, 9);
    assertThat(scale.patchSpecReserve()).isTrue();
    assertThat(render(scale.specReservePatch())).containsExactly("1", "2", "4-7", "9");
    assertThat(scale.annotationPatch()).isEqualTo("1,2,4-7,9");
  }

  @Test
  void aMalformedEntryDropsTheWholeExplicitList() {
    // "3" as a string is not a range: OKG reads the list as empty (its webhook's check of it is a no-op)
    Gss gss = new Gss(2, List.of(new IntOrString(1), new IntOrString("3")), null, OkgScaling.RESERVE_IDS_STRATEGY);
    assertThat(OkgScaling.getReserveOrdinalIntSet(gss.reserveGameServerIds())).isEmpty();
    OkgScaling.Scale scale = OkgScaling.gameServerScale(gss, new Asts(2, null), List.of());
    assertThat(scale.computed().workloadManageIds()).as("ID 1 runs").containsExactly(0, 1);
    assertThat(scale.patchSpecReserve()).isFalse();
    assertThat(scale.annotationPatch()).as("a nil annotation map gets the annotation, empty").isEqualTo("");

    // with an implicit ID in the workload, ReserveIds writes its own set over the malformed list
    OkgScaling.Scale overwritten = OkgScaling.gameServerScale(gss, new Asts(2, ints(5)), List.of());
    assertThat(overwritten.patchSpecReserve()).isTrue();
    assertThat(render(overwritten.specReservePatch())).containsExactly("5");
  }

  @Test
  void killedPodsGoFirstAndTheirIdsStayReserved() {
    Gss gss = new Gss(2, null, Map.of(), OkgScaling.RESERVE_IDS_STRATEGY);
    List<PodView> pods = List.of(pod("k-0", NONE, "0"), pod("k-1", KILL, "0"), pod("k-2", WAIT_TO_DELETE, "5"));
    assertThat(OkgScaling.getReplicasAfterKilling(new Gss(3, null, Map.of(), null), new Asts(3, null), pods)).isEqualTo(2);
    OkgScaling.Scale scale = OkgScaling.gameServerScale(gss, new Asts(3, null), pods);
    assertThat(scale.computed().workloadManageIds()).containsExactly(0, 2);
    assertThat(render(scale.specReservePatch())).containsExactly("1");
    assertThat(OkgScaling.workloadOrdinals(scale.asts())).containsExactly(0, 2);
  }

  @Test
  void deletionOrderIsOpsStateThenPriorityThenHigherId() {
    List<PodView> sorted = OkgScaling.deleteSequenceGs(List.of(pod("d-0", MAINTAINING, "9"), pod("d-1", NONE, "0"),
        pod("d-2", OkgScaling.ALLOCATED, "0"), pod("d-3", NONE, "2"), pod("d-4", WAIT_TO_DELETE, "0"), pod("d-5", KILL, "0"),
        pod("d-6", NONE, "0"), pod("d-7", "Unknown", "0")));
    assertThat(sorted.stream().map(PodView::id).toList()).containsExactly(5, 4, 3, 7, 6, 1, 2, 0);
  }

  // ---- pkg/util/set_test.go and slice_test.go ----

  static Stream<Arguments> ordinalSetToIntStrSliceCases() {
    return Stream.of(
        arguments("single element", set(5), List.of("5")),
        arguments("continuous elements", set(1, 2, 3, 4, 5), List.of("\"1-5\"")),
        arguments("multiple continuous elements", set(1, 2, 3, 5, 6, 7), List.of("\"1-3\"", "\"5-7\"")),
        arguments("multiple continuous elements with single element", set(1, 2, 3, 5, 7, 8, 9, 11),
            List.of("\"1-3\"", "5", "\"7-9\"", "11")),
        arguments("unsorted continuous elements", set(3, 1, 2, 4, 8, 6, 7), List.of("\"1-4\"", "\"6-8\"")),
        arguments("non-continuous elements", set(1, 2, 5, 7, 9), List.of("1", "2", "5", "7", "9")));
  }

  @ParameterizedTest(name = "TestOrdinalSetToIntStrSlice {0}")
  @MethodSource("ordinalSetToIntStrSliceCases")
  void ordinalSetToIntStrSlice(String name, Set<Integer> input, List<String> expected) {
    // Go's reflect.DeepEqual tells ints from strings, so strings are quoted here
    List<String> typed = OkgScaling.ordinalSetToIntStrSlice(input).stream()
        .map(v -> v.getIntVal() != null ? v.getIntVal().toString() : '"' + v.getStrVal() + '"').toList();
    assertThat(typed).isEqualTo(expected);
  }

  static Stream<Arguments> stringToOrdinalIntSetCases() {
    return Stream.of(
        arguments("empty string", "", ",", set()),
        arguments("single number", "5", ",", set(5)),
        arguments("multiple numbers", "1,3,5,7", ",", set(1, 3, 5, 7)),
        arguments("single range", "1-5", ",", set(1, 2, 3, 4, 5)),
        arguments("multiple ranges", "1-3,7-9", ",", set(1, 2, 3, 7, 8, 9)),
        arguments("mixed numbers and ranges", "1-3,5,7-9,11", ",", set(1, 2, 3, 5, 7, 8, 9, 11)),
        arguments("with spaces", "1-3, 5, 7-9, 11", ",", set(1, 2, 3, 5, 7, 8, 9, 11)),
        arguments("different delimiter", "1-3;5;7-9;11", ";", set(1, 2, 3, 5, 7, 8, 9, 11)),
        arguments("invalid number", "1,abc,3", ",", set(1, 3)),
        arguments("invalid range", "1-3,5-abc,7-9", ",", set(1, 2, 3, 7, 8, 9)),
        arguments("inverted range", "1-3,5-2,7-9", ",", set(1, 2, 3, 7, 8, 9)));
  }

  @ParameterizedTest(name = "TestStringToOrdinalIntSet {0}")
  @MethodSource("stringToOrdinalIntSetCases")
  void stringToOrdinalIntSet(String name, String str, String delimiter, Set<Integer> expected) {
    assertThat(OkgScaling.stringToOrdinalIntSet(str, delimiter)).isEqualTo(expected);
  }

  static Stream<Arguments> intSetToStringCases() {
    return Stream.of(
        arguments("empty set", set(), ",", ""),
        arguments("single element", set(5), ",", "5"),
        arguments("multiple elements", set(1, 3, 5, 7), ",", "1,3,5,7"),
        arguments("continuous elements", set(1, 2, 3, 4, 5), ",", "1-5"),
        arguments("mixed continuous and single elements", set(1, 2, 3, 5, 7, 8, 9, 11), ",", "1-3,5,7-9,11"),
        arguments("unsorted elements", set(5, 3, 1, 2, 4), ",", "1-5"),
        arguments("different delimiter", set(1, 2, 3, 5, 7), ";", "1-3;5;7"),
        arguments("non-continuous elements", set(1, 2, 5), ",", "1,2,5"));
  }

  @ParameterizedTest(name = "TestIntSetToString {0}")
  @MethodSource("intSetToStringCases")
  void intSetToString(String name, Set<Integer> set, String delimiter, String expected) {
    assertThat(OkgScaling.intSetToString(set, delimiter)).isEqualTo(expected);
  }

  static Stream<Arguments> stringToIntStrSliceCases() {
    return Stream.of(
        arguments("mixed int and string values", "4,test,1", ",", List.of("4", "test", "1")),
        arguments("only int values", "4,5,1", ",", List.of("4", "5", "1")),
        arguments("only string values", "a,b,c", ",", List.of("a", "b", "c")),
        arguments("empty string", "", ",", List.of()),
        arguments("empty delimiter", "1,2,3", "", List.of()),
        arguments("empty parts", "1,,3", ",", List.of("1", "3")),
        arguments("different delimiter", "1:test:3", ":", List.of("1", "test", "3")),
        arguments("reversed ids slice", "1,2-5,6,7-10", ",", List.of("1", "2-5", "6", "7-10")),
        arguments("has space in the string", "1, 2-3, 4", ",", List.of("1", "2-3", "4")));
  }

  @ParameterizedTest(name = "TestStringToIntStrSlice {0}")
  @MethodSource("stringToIntStrSliceCases")
  void stringToIntStrSlice(String name, String str, String delimiter, List<String> expected) {
    // the Go test compares lengths and String() forms only
    assertThat(render(OkgScaling.stringToIntStrSlice(str, delimiter))).isEqualTo(expected);
  }

  @Test
  void theAnnotationIsReadWithStringToIntStrSliceSoASpaceDropsIt() {
    // " 4" is not a number to Atoi, so it becomes the string "4", which is not a range
    assertThat(OkgScaling.getReserveOrdinalIntSet(OkgScaling.stringToIntStrSlice("1, 4", ","))).isEmpty();
    assertThat(OkgScaling.getReserveOrdinalIntSet(OkgScaling.stringToIntStrSlice("1,2-3,4", ","))).containsExactly(1, 2, 3, 4);
    assertThat(OkgScaling.stringToOrdinalIntSet("1, 4", ",")).as("IsNeedToScale reads it leniently").containsExactly(1, 4);
  }

  @Test
  void parseRangeAcceptsOnlyAscendingPairs() {
    assertThat(OkgScaling.parseRange("5-7")).containsExactly(5, 7);
    assertThat(OkgScaling.parseRange(" 5 - 7 ")).containsExactly(5, 7);
    assertThat(OkgScaling.parseRange("5-5")).containsExactly(5, 5);
    for (String bad : List.of("5", "7-5", "-1-3", "a-b", "", "1-2-3")) assertThat(OkgScaling.parseRange(bad)).as(bad).isNull();
  }

  // ---- helpers ----

  private static PodView pod(String name, String opsState, String deletionPriority) {
    return PodView.of(name, labels(opsState, deletionPriority, false), false);
  }

  private static Map<String, String> labels(String opsState, String deletionPriority, boolean preparingDelete) {
    Map<String, String> labels = new HashMap<>();
    labels.put(OPS_STATE_LABEL, opsState);
    labels.put(DELETE_PRIORITY_LABEL, deletionPriority);
    if (preparingDelete) labels.put(LIFECYCLE_STATE_LABEL, OkgScaling.PREPARING_DELETE);
    return labels;
  }

  private static Set<Integer> set(Integer... ids) {
    return new TreeSet<>(Arrays.asList(ids));
  }

  private static List<IntOrString> ints(int... ids) {
    return Arrays.stream(ids).mapToObj(IntOrString::new).toList();
  }

  private static List<String> render(List<IntOrString> values) {
    if (values == null) return List.of();
    return values.stream().map(v -> v.getIntVal() != null ? v.getIntVal().toString() : v.getStrVal()).toList();
  }
}
