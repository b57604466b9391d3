/** The {@code jinfer} command line: run, inspect, tokenize, logits, bench. */
package io.jinfer.cli;
