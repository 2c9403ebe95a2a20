package dev.tokenwise.cache.semantic;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GrayZoneTests {

  private final GrayZone zone = new GrayZone(0.954, 0.02);

  @Test
  void theThresholdItselfIsAccepted() {
    assertThat(zone.band(0.954)).isEqualTo(GrayZone.Band.ACCEPT);
    assertThat(zone.band(0.99)).isEqualTo(GrayZone.Band.ACCEPT);
  }

  @Test
  void justBelowTheThresholdIsGrayDownToTheBandsFloor() {
    assertThat(zone.band(0.953)).isEqualTo(GrayZone.Band.GRAY);
    assertThat(zone.band(0.934)).isEqualTo(GrayZone.Band.GRAY);
    assertThat(zone.floor()).isEqualTo(0.934, org.assertj.core.data.Offset.offset(1e-9));
  }

  @Test
  void belowTheBandIsAPlainMiss() {
    assertThat(zone.band(0.933)).isEqualTo(GrayZone.Band.BELOW);
  }

  @Test
  void withoutAWidthNothingIsGray() {
    GrayZone off = new GrayZone(0.954, 0);

    assertThat(off.band(0.9539)).isEqualTo(GrayZone.Band.BELOW);
    assertThat(off.band(0.954)).isEqualTo(GrayZone.Band.ACCEPT);
  }

  @Test
  void theBandFollowsALearnedThreshold() {
    SemanticPolicy policy =
        SemanticPolicy.BUILT_IN
            .with(
                new SemanticCacheProperties.RoutePolicy(
                    null, null, null, null, null, null, null, null, null, null, 0.02, null, null))
            .withThreshold(0.97);

    assertThat(policy.grayZone().band(0.96)).isEqualTo(GrayZone.Band.GRAY);
    assertThat(policy.grayZone().band(0.949)).isEqualTo(GrayZone.Band.BELOW);
  }
}
