using Microsoft.Playwright;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Sync.Tests.Serve;

/// <summary>The dashboard in a real browser against <c>mesh-sync serve</c>; each test saves a screenshot.</summary>
public sealed class DashboardBrowserTests : IClassFixture<BrowserFixture>, IDisposable
{
    private const float Wait = 20_000;
    private readonly BrowserFixture _browser;
    private readonly TempCatalogs _files = new();

    public DashboardBrowserTests(BrowserFixture browser) => _browser = browser;

    public void Dispose() => _files.Dispose();

    private async Task<IPage> OpenAsync(ServeRun serve, ColorScheme scheme = ColorScheme.Light, int width = 1440, int height = 900)
    {
        var page = await _browser.Browser.NewPageAsync(new BrowserNewPageOptions
        {
            ColorScheme = scheme,
            ViewportSize = new ViewportSize { Width = width, Height = height },
        });
        page.SetDefaultTimeout(Wait);
        await page.GotoAsync(serve.Address.ToString());
        await Assertions.Expect(page.Locator("#conn")).ToHaveAttributeAsync("data-state", "live");
        return page;
    }

    private static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, name + ".png"), FullPage = true });

    private static ILocator Row(IPage page, string service) => page.Locator($"#services tbody tr[data-service=\"{service}\"]");

    [Fact]
    public async Task Page_SampleCatalog_ShowsItsServicesAndRegistry()
    {
        await using var serve = await ServeRun.StartAsync("--listen", "127.0.0.1:0");
        var page = await OpenAsync(serve);

        foreach (var service in new[] { "orders", "payments", "inventory", "shipping", "users" })
        {
            await Assertions.Expect(Row(page, service)).ToBeVisibleAsync();
        }

        await Assertions.Expect(page.Locator(".registry[data-registry=\"file\"] .state")).ToHaveTextAsync("ready");
        await Row(page, "orders").ClickAsync();
        await Assertions.Expect(page.Locator("#detail-title")).ToHaveTextAsync("orders");
        await Assertions.Expect(page.Locator("#instances .instance[data-instance=\"orders-1\"]")).ToContainTextAsync("us-east-1a");
        await Assertions.Expect(page.Locator("#instances .instance[data-instance=\"orders-1\"]")).ToContainTextAsync("team=checkout");
        await ScreenshotAsync(page, "sample-catalog");
        await page.CloseAsync();
    }

    [Fact]
    public async Task Page_DarkNarrowScreen_ShowsServices()
    {
        await using var serve = await ServeRun.StartAsync("--listen", "127.0.0.1:0");
        var page = await OpenAsync(serve, ColorScheme.Dark, width: 390, height: 844);

        await Assertions.Expect(Row(page, "orders")).ToBeVisibleAsync();
        var background = await page.EvaluateAsync<string>("getComputedStyle(document.body).backgroundColor");
        background.ShouldBe("rgb(15, 18, 22)");
        await ScreenshotAsync(page, "dark-phone");
        await page.CloseAsync();
    }

    [Fact]
    public async Task Page_FileEdit_AppearsWithoutReload()
    {
        var path = _files.Write("a.json", TempCatalogs.A);
        await using var serve = await ServeRun.StartAsync("--file", path, "--listen", "127.0.0.1:0");
        var page = await OpenAsync(serve);
        await Assertions.Expect(Row(page, "orders")).ToBeVisibleAsync();
        await page.EvaluateAsync("window.__notReloaded = true");

        _files.Replace(path, TempCatalogs.A.Replace("\"payments\"", "\"billing\"", StringComparison.Ordinal));

        await Assertions.Expect(Row(page, "billing")).ToBeVisibleAsync();
        await Assertions.Expect(Row(page, "payments")).ToHaveCountAsync(0);
        (await page.EvaluateAsync<bool>("window.__notReloaded === true")).ShouldBeTrue("the page must update in place, not reload");
        await ScreenshotAsync(page, "file-edit");
        await page.CloseAsync();
    }

    [Fact]
    public async Task Page_RegistryFails_ShowsStaleWithLastKnownGoodInstances()
    {
        var path = _files.Write("a.json", TempCatalogs.A);
        await using var serve = await ServeRun.StartAsync("--file", path, "--listen", "127.0.0.1:0");
        var page = await OpenAsync(serve);
        await Assertions.Expect(Row(page, "orders")).ToBeVisibleAsync();

        _files.Replace(path, "{ \"services\": [ this is not json");

        await Assertions.Expect(page.Locator(".registry[data-registry=\"file\"] .state")).ToHaveTextAsync("stale");
        await Assertions.Expect(page.Locator(".registry[data-registry=\"file\"] .error")).ToBeVisibleAsync();
        await Assertions.Expect(Row(page, "orders").Locator(".badge.stale")).ToBeVisibleAsync();
        await Row(page, "orders").ClickAsync();
        await Assertions.Expect(page.Locator("#instances .instance.is-stale")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("#instances .instance[data-instance=\"orders-1\"]")).ToContainTextAsync("10.0.0.1");
        await ScreenshotAsync(page, "registry-stale");
        await page.CloseAsync();
    }

    [Fact]
    public async Task Page_Filters_NarrowByNameHealthRegistryAndStale()
    {
        var path = _files.Write("a.json", TempCatalogs.A);
        await using var serve = await ServeRun.StartAsync("--file", path, "--listen", "127.0.0.1:0");
        var page = await OpenAsync(serve);
        await Assertions.Expect(page.Locator("#services tbody tr")).ToHaveCountAsync(2);

        await page.Keyboard.PressAsync("/");
        await page.Keyboard.TypeAsync("pay");
        await Assertions.Expect(page.Locator("#services tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(Row(page, "payments")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#shown")).ToHaveTextAsync("1 of 2 services");
        await ScreenshotAsync(page, "filter-name");

        await page.Keyboard.PressAsync("Escape");
        await Assertions.Expect(page.Locator("#services tbody tr")).ToHaveCountAsync(2);
        await page.Locator("#filter-health").SelectOptionAsync("draining");
        await Assertions.Expect(page.Locator("#services tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(Row(page, "orders")).ToBeVisibleAsync();

        await page.Locator("#filter-health").SelectOptionAsync("");
        await page.Locator("#filter-stale").CheckAsync();
        await Assertions.Expect(page.Locator("#services tbody tr")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#empty")).ToBeVisibleAsync();
        await page.Locator("#filter-stale").UncheckAsync();
        await page.Locator("#filter-registry").SelectOptionAsync("file");
        await Assertions.Expect(page.Locator("#services tbody tr")).ToHaveCountAsync(2);

        // Keyboard: focus the first row, move down, open with Enter, close with Escape.
        await Row(page, "orders").FocusAsync();
        await page.Keyboard.PressAsync("ArrowDown");
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator("#detail-title")).ToHaveTextAsync("payments");
        await page.Keyboard.PressAsync("Escape");
        await Assertions.Expect(page.Locator("#detail-body")).ToBeHiddenAsync();
        await page.CloseAsync();
    }

    [Fact]
    public async Task Page_ServerStops_ShowsDisconnectedRetrying()
    {
        var path = _files.Write("a.json", TempCatalogs.A);
        var serve = await ServeRun.StartAsync("--file", path, "--listen", "127.0.0.1:0");
        IPage page;
        await using (serve)
        {
            page = await OpenAsync(serve);
            await Assertions.Expect(Row(page, "orders")).ToBeVisibleAsync();
        }

        await Assertions.Expect(page.Locator("#conn")).ToHaveAttributeAsync("data-state", "disconnected");
        await Assertions.Expect(page.Locator("#conn-text")).ToHaveTextAsync("disconnected, retrying");
        await Assertions.Expect(Row(page, "orders")).ToBeVisibleAsync();
        await ScreenshotAsync(page, "disconnected");
        await page.CloseAsync();
    }
}
