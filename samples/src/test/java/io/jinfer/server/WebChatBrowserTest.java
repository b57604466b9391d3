package io.jinfer.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jinfer.api.SchedulerOptions;
import io.jinfer.api.SessionOptions;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The chat page in real headless Chromium (Debian's {@code chromium} and {@code chromium-driver}):
 * type a message, watch the answer grow while it streams, and check it is the text the API gives.
 * Skips when no browser is installed. The driver is named explicitly, so Selenium Manager never runs.
 */
class WebChatBrowserTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path DRIVER = Path.of("/usr/bin/chromedriver");
    private static TestServer s;
    private static ChromeDriver browser;

    @BeforeAll
    static void start() {
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(DRIVER),
                "skipped: no headless browser (apt-get install chromium chromium-driver)");
        // the larger test model: the tiny one generated its whole answer between two samples of the page
        s = TestServer.startSlow(new SchedulerOptions(2, 16, SessionOptions.defaults()));
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1200,900");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(DRIVER.toString())).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (s != null) {
            s.close();
        }
    }

    @Test
    void typedMessageGetsAStreamedAnswer() throws Exception {
        long t0 = System.nanoTime();
        // ignore_eos: the random-weight model may end its answer after a token or two
        browser.get("http://127.0.0.1:" + s.server.port() + "/?ignore_eos=1");
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
        wait.until(d -> d.findElement(By.id("model")).getText().equals(TestServer.MODEL_ID));
        WebElement maxTokens = browser.findElement(By.id("max-tokens"));
        maxTokens.clear();
        maxTokens.sendKeys("400");
        WebElement prompt = browser.findElement(By.id("prompt"));
        prompt.sendKeys("Hello, who are you?");
        prompt.sendKeys(Keys.ENTER);

        WebElement answer = wait.until(d -> d.findElement(By.cssSelector(".msg.assistant")));
        assertEquals("Hello, who are you?", browser.findElement(By.cssSelector(".msg.user")).getText());
        // sample the answer while it streams: it must be seen growing, not only appear whole
        List<Integer> lengths = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!"true".equals(answer.getDomAttribute("data-done")) && System.nanoTime() < deadline) {
            lengths.add(answer.getText().length());
            Thread.sleep(5);
        }
        System.out.printf("web chat: %d samples of the growing answer%n", lengths.size());
        assertEquals("true", answer.getDomAttribute("data-done"), "the answer finished");
        assertFalse(answer.getDomAttribute("class").contains("error"), answer.getText());
        String text = answer.getText();
        assertFalse(text.isBlank(), "an answer appeared");
        long partial = lengths.stream().filter(n -> n > 0 && n < text.length()).distinct().count();
        assertTrue(partial >= 2, "the answer grew while streaming; lengths seen: " + lengths.stream().distinct().toList());
        String reason = answer.getDomAttribute("data-finish-reason");
        assertEquals("length", reason, "400 tokens without end-of-text tokens");
        assertTrue(prompt.getDomProperty("value").isEmpty(), "the input is cleared after sending");
        System.out.printf("web chat: answered in %.1f s%n", (System.nanoTime() - t0) / 1e9);
    }
}
