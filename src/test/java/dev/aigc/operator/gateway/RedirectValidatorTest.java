package dev.aigc.operator.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RedirectValidatorTest {
  private static final String DASHBOARD = "https://aigc.example.com/";
  private final RedirectValidator validator = new RedirectValidator("https://aigc.example.com", "example.com");

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
      "https://instances3-cpu.example.com/?tab=txt2img | https://instances3-cpu.example.com/?tab=txt2img",
      "http://instances3-cpu.example.com/               | http://instances3-cpu.example.com/",
      "https://aigc.example.com/instances               | https://aigc.example.com/instances",
      "https://example.com/                             | https://example.com/",
      "/instances?x=1                                   | https://aigc.example.com/instances?x=1",
      "https://evil.test/                               | " + DASHBOARD,
      "https://evil-example.com/                        | " + DASHBOARD,
      "https://example.com.evil.test/                   | " + DASHBOARD,
      "https://instances3-cpu.example.com@evil.test/    | " + DASHBOARD,
      "//evil.test/                                     | " + DASHBOARD,
      "/\\evil.test/                                    | " + DASHBOARD,
      "javascript:alert(1)                              | " + DASHBOARD,
      "https://evil.test/https://instances3-cpu.example.com/ | " + DASHBOARD,
      "ftp://instances3-cpu.example.com/                | " + DASHBOARD,
  })
  void onlyTheGatewayAndHostsUnderTheInstanceDomainAreRedirectTargets(String rd, String expected) {
    assertThat(validator.target(rd)).isEqualTo(expected);
  }

  @org.junit.jupiter.api.Test
  void noTargetGoesToTheDashboard() {
    assertThat(validator.target(null)).isEqualTo(DASHBOARD);
    assertThat(validator.target("")).isEqualTo(DASHBOARD);
  }
}
