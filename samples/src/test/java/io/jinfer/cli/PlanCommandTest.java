package io.jinfer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.loader.synth.SyntheticModel;
import io.jinfer.loader.synth.SyntheticModels;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jinfer plan} on the built-in (simulated) device profiles: no probe, no kernels. */
class PlanCommandTest {

    @Test
    void printsTheSplitSpeedAndCostOfAPlanThatFits() {
        Cli c = Cli.run("plan", "--shape", "405b", "--format", "nvfp4", "--device", "gb200", "--ctx", "8192",
                "--price", "gb200=10");
        assertEquals(0, c.code(), c.toString());
        assertTrue(c.out().contains("fits     yes: single device + host memory read in place on gb200.gpu"), c.out());
        assertTrue(c.out().contains("host-mapped, read in place (gb200.grace memory)"), c.out());
        assertTrue(c.out().contains("device-resident"), c.out());
        assertTrue(c.out().matches("(?s).*prefill +[0-9.]+ tokens/s +\\$[0-9.]+ per million tokens.*"), c.out());
        assertTrue(c.out().matches("(?s).*decode +[0-9.]+ tokens/s +\\$[0-9.]+ per million tokens.*"), c.out());
        assertTrue(c.out().contains("price    10.00 USD/hour"), c.out());
    }

    @Test
    void aModelThatDoesNotFitExitsOneSayingWhy() {
        Cli c = Cli.run("plan", "--shape", "70b", "--format", "fp8", "--device", "h100");
        assertEquals(1, c.code(), c.toString());
        assertTrue(c.out().contains("fits     no"), c.out());
        assertTrue(c.out().contains("does not fit: it needs 72.7 GB of weights"), c.out());
        Cli split = Cli.run("plan", "--shape", "70b", "--format", "fp8", "--device", "h100x2", "--batch", "8");
        assertEquals(0, split.code(), split.toString());
        assertTrue(split.out().contains("split across devices on h100 + h100#2"), split.out());
        assertTrue(split.out().contains("(batch 8: "), split.out());
    }

    @Test
    void budgetsShrinkWhatADeviceMayHold() {
        Cli c = Cli.run("plan", "--shape", "8b", "--format", "f16", "--device", "h100x2", "--budget", "h100=10G,h100#2=10G");
        assertEquals(0, c.code(), c.toString());
        assertTrue(c.out().contains("h100         weights"), c.out());
        assertTrue(c.out().contains("of a 10.0 GB budget"), c.out());
        assertTrue(c.out().contains("split across devices"), c.out());
    }

    @Test
    void plansAGgufFileFromItsTensorTable(@TempDir Path dir) {
        Path file = dir.resolve("tiny.gguf");
        SyntheticModels.write(SyntheticModel.tiny(), file, 1);
        Cli c = Cli.run("plan", "--model", file.toString(), "--device", "rtx4090", "--ctx", "512");
        assertEquals(0, c.code(), c.toString());
        assertTrue(c.out().contains("model    tiny.gguf (q8_0)"), c.out());
        assertTrue(c.out().contains("single device on rtx4090"), c.out());
    }

    @Test
    void badInputsExitTwoWithAClearMessage() {
        Cli unknown = Cli.run("plan", "--shape", "8b", "--format", "fp8", "--device", "h100,tpu9");
        assertEquals(2, unknown.code(), unknown.toString());
        assertTrue(unknown.err().contains("unknown device profile 'tpu9'; known: h100, h200, b200, gb200"),
                unknown.err());
        Cli ctx = Cli.run("plan", "--shape", "8b", "--format", "fp8", "--device", "h100", "--ctx", "999999999");
        assertEquals(2, ctx.code(), ctx.toString());
        assertTrue(ctx.err().contains("--ctx"), ctx.err());
        Cli trained = Cli.run("plan", "--shape", "8b", "--format", "fp8", "--device", "h100", "--ctx", "500000");
        assertEquals(2, trained.code(), trained.toString());
        assertTrue(trained.err().contains("exceeds the 131072 positions"), trained.err());
        Cli shape = Cli.run("plan", "--shape", "13b", "--device", "h100");
        assertEquals(2, shape.code());
        assertTrue(shape.err().contains("unknown model shape '13b'"), shape.err());
        Cli none = Cli.run("plan", "--device", "h100");
        assertEquals(2, none.code());
        assertTrue(none.err().contains("give --model FILE or --shape NAME"), none.err());
        Cli price = Cli.run("plan", "--shape", "8b", "--device", "h100", "--price", "h100=free");
        assertEquals(2, price.code());
        assertTrue(price.err().contains("not a number"), price.err());
        Cli measure = Cli.run("plan", "--shape", "8b", "--device", "h100", "--measure");
        assertEquals(2, measure.code());
        assertTrue(measure.err().contains("--measure runs on this machine's CPU"), measure.err());
        Cli budget = Cli.run("plan", "--shape", "8b", "--device", "h100", "--budget", "h200=1G");
        assertEquals(2, budget.code());
        assertTrue(budget.err().contains("no device 'h200'"), budget.err());
    }

    @Test
    void sizesAcceptUnits() {
        assertEquals(40_000_000_000L, PlanCommand.bytes("40G"));
        assertEquals(512_000_000L, PlanCommand.bytes("512MB"));
        assertEquals(1234, PlanCommand.bytes("1234"));
    }
}
