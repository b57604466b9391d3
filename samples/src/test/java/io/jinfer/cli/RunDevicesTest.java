package io.jinfer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jinfer.api.spi.Backend;
import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** {@code jinfer run --devices/--split}: parsing, and one model split across the CPU and OpenCL. */
class RunDevicesTest {

    private static RunCommand.Settings parse(String... a) {
        return RunCommand.Settings.parse(Args.parse(List.of(a), new RunCommand().options()));
    }

    @Test
    void devicesAndSplitReachTheSettings() {
        RunCommand.Settings s = parse("--devices", "cpu, opencl", "--split", "0-1:opencl,2-4:cpu");
        assertEquals(List.of("cpu", "opencl"), s.devices());
        assertEquals("0-1:opencl,2-4:cpu", s.split());
        RunCommand.Settings plain = parse();
        assertEquals(List.of("cpu"), plain.devices());
        assertNull(plain.split());
    }

    @Test
    void badDeviceListsAreRefused() {
        assertThrows(UsageException.class, () -> parse("--devices", "cpu,,opencl"));
        assertThrows(UsageException.class, () -> parse("--devices", "cpu,cpu"));
        assertThrows(UsageException.class, () -> parse("--split", " "));
    }

    @Test
    void aSplitRunWritesTheCpuText() {
        Backend opencl = ServiceLoader.load(Backend.class).stream().map(ServiceLoader.Provider::get)
                .filter(b -> b.name().equals("opencl")).findFirst().orElse(null);
        assumeTrue(opencl != null, "skipped: the OpenCL backend is not on the class path");
        String why = opencl.unavailableReason();
        assumeTrue(why == null, () -> "skipped: no usable OpenCL device: " + why);
        Path model = SharedFixtures.require("models/stories260K.gguf");
        Cli cpu = Cli.run("run", "--model", model.toString(), "-n", "24", "--temp", "0", "--threads", "1");
        Cli split = Cli.run("run", "--model", model.toString(), "-n", "24", "--temp", "0", "--threads", "1",
                "--devices", "cpu,opencl", "--split", "0-1:opencl,2-4:cpu");
        assertEquals(0, split.code(), split::toString);
        assertTrue(split.err().contains("layers 0-1:opencl,2-4:cpu"), split::toString);
        assertEquals(cpu.out(), split.out());
        Cli bad = Cli.run("run", "--model", model.toString(), "-n", "1", "--devices", "cpu,opencl", "--split",
                "0-1:opencl");
        assertTrue(bad.code() != 0 && bad.err().contains("covers layers 0-1 but the model has 5"), bad::toString);
    }
}
