package io.outrigger.istiocompat;

import io.outrigger.testsupport.Prerequisites;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's headless chromium, driven through its chromedriver by Selenium, with a fresh profile
 * that it deletes on close. No network beyond what the page asks for: no sync, updates or QUIC.
 */
final class MeshViewBrowser implements AutoCloseable {
  private final ChromeDriver driver;
  private final Path profile;

  private MeshViewBrowser(ChromeDriver driver, Path profile) {
    this.driver = driver;
    this.profile = profile;
  }

  static MeshViewBrowser start() {
    Prerequisites.Chromium chromium = Prerequisites.requireChromium();
    Path profile;
    try {
      profile = Files.createTempDirectory("outrigger-chromium-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a chromium profile directory", e);
    }
    ChromeOptions options = new ChromeOptions();
    options.setBinary(chromium.browser().toFile());
    options.addArguments(
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1500,1250",
        "--user-data-dir=" + profile);
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(chromium.driver().toFile())
            .usingAnyFreePort()
            .build();
    try {
      ChromeDriver driver = new ChromeDriver(service, options);
      driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
      driver.manage().window().setSize(new Dimension(1500, 1250));
      return new MeshViewBrowser(driver, profile);
    } catch (RuntimeException e) {
      service.stop();
      Directories.deleteRecursively(profile);
      throw e;
    }
  }

  WebDriver driver() {
    return driver;
  }

  void screenshot(Path file) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the screenshot " + file, e);
    }
  }

  @Override
  public void close() {
    try {
      driver.quit();
    } finally {
      Directories.deleteRecursively(profile);
    }
  }
}
