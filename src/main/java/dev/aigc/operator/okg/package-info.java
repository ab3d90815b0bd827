/**
 * The OpenKruiseGame (game.kruise.io/v1alpha1) fields this operator reads or writes, as typed classes.
 * Fields we do not model survive a round trip through {@link dev.aigc.operator.okg.Unmodelled}, so an
 * update never drops what OKG or its webhooks set.
 */
package dev.aigc.operator.okg;
