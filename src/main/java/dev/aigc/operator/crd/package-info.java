/** Build-time steps on the CRDs that fabric8's generator makes from {@code dev.aigc.operator.api}; never used at run time. */
package dev.aigc.operator.crd;
