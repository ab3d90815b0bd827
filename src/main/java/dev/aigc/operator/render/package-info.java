/**
 * Desired state as pure functions: templates and instances in, Kubernetes objects and statuses out.
 * Nothing here talks to Kubernetes; every class is tested without it.
 */
package dev.aigc.operator.render;
