/**
 * The gateway end users touch: sessions, ingress-nginx's {@code /auth} decision, and (to come) OIDC
 * sign-in, the REST API and the dashboard. Decisions are made from memory: an index of instance
 * hosts fed by an informer, and a session cookie verified with local keys (DESIGN invariant 7).
 */
package dev.aigc.operator.gateway;
