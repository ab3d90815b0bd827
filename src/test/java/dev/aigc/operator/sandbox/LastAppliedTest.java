package dev.aigc.operator.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LastAppliedTest {
  /** What kubectl v1.32.3 wrote when it applied examples/stable-diffusion-cpu.yaml to namespace default. */
  private static final String WRITTEN_BY_KUBECTL = "{\"apiVersion\":\"aigc.dev/v1alpha1\",\"kind\":\"AigcTemplate\","
      + "\"metadata\":{\"annotations\":{},\"name\":\"stable-diffusion-cpu\",\"namespace\":\"default\"},\"spec\":{\"app\":{\"args\":"
      + "[\"--listen\",\"--skip-torch-cuda-test\",\"--no-half\"],\"command\":[\"python3\",\"launch.py\"],\"image\":"
      + "\"yunqi-registry.cn-shanghai.cr.aliyuncs.com/lab/stable-diffusion:v1.0.0-cpu\",\"port\":7860},\"dedicated\":{\"ingress\":"
      + "{\"className\":\"nginx\",\"host\":\"instances\\u003cid\\u003e-cpu.example.com\",\"path\":\"/\",\"pathType\":"
      + "\"ImplementationSpecific\"},\"storage\":{\"mountPath\":\"/root/stable-diffusion\",\"size\":\"50Gi\",\"storageClassName\":"
      + "\"alicloud-disk-essd\"}},\"description\":\"Stable Diffusion WebUI on CPU. Slow, but needs no GPU.\",\"displayName\":"
      + "\"Stable Diffusion (CPU)\",\"upgradePolicy\":\"OnRestart\"}}\n";

  @Test
  void theAnnotationIsWhatKubectlApplyWrites() throws Exception {
    Map<String, Object> template = new YAMLMapper().readValue(Files.readString(Path.of("examples/stable-diffusion-cpu.yaml")),
        new TypeReference<LinkedHashMap<String, Object>>() { });
    @SuppressWarnings("unchecked")
    Map<String, Object> metadata = (Map<String, Object>) template.get("metadata");
    metadata.put("namespace", "default");
    assertThat(LastApplied.of(template)).isEqualTo(WRITTEN_BY_KUBECTL);
  }
}
