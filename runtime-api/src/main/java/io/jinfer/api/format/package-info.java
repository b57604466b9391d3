/**
 * Plain scalar definitions of every weight format: the reference every fast kernel is tested
 * against, written to read like the format's specification.
 */
package io.jinfer.api.format;
