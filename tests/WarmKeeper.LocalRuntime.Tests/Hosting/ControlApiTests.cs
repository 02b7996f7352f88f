using System.Net;
using System.Text.Json;

namespace WarmKeeper.LocalRuntime.Tests.Hosting;

/// <summary>The read operations and their paging, over HTTP.</summary>
public sealed class ControlApiTests
{
    private static async Task<List<JsonElement>> ReadAllPagesAsync(TestRuntime rt, string path, string listName, int pageSize)
    {
        var items = new List<JsonElement>();
        string? marker = null;
        var pages = 0;
        do
        {
            var separator = path.Contains('?', StringComparison.Ordinal) ? "&" : "?";
            var url = path + separator + "MaxItems=" + pageSize + (marker is null ? string.Empty : "&Marker=" + Uri.EscapeDataString(marker));
            using var response = await rt.Http.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await HttpAssert.JsonAsync(response);
            var page = body.GetProperty(listName).EnumerateArray().ToList();
            Assert.True(page.Count <= pageSize);
            items.AddRange(page);
            marker = body.TryGetProperty("NextMarker", out var next) ? next.GetString() : null;
            pages++;
        }
        while (marker is not null && pages < 100);

        return items;
    }

    [Fact]
    public async Task List_functions_pages_with_marker_and_max_items()
    {
        await using var rt = await TestRuntime.StartAsync(o =>
        {
            for (var i = 0; i < 7; i++)
            {
                o.Functions["f" + i] = new LocalFunctionOptions { MemoryMb = 256, Description = "function " + i };
            }
        });
        var functions = await ReadAllPagesAsync(rt, "/2015-03-31/functions/", "Functions", 3);
        Assert.Equal(["f0", "f1", "f2", "f3", "f4", "f5", "f6", "hello", "slow"], functions.Select(f => f.GetProperty("FunctionName").GetString()!).ToArray());
        var f3 = functions[3];
        Assert.Equal(256, f3.GetProperty("MemorySize").GetInt32());
        Assert.Equal("function 3", f3.GetProperty("Description").GetString());
        Assert.Equal("arn:aws:lambda:us-east-1:000000000000:function:f3", f3.GetProperty("FunctionArn").GetString());
        Assert.Equal(3, f3.GetProperty("Timeout").GetInt32());

        var all = await ReadAllPagesAsync(rt, "/2015-03-31/functions/?FunctionVersion=ALL", "Functions", 4);
        Assert.Equal(9 + 3, all.Count);
        Assert.Contains(all, f => f.GetProperty("FunctionArn").GetString() == "arn:aws:lambda:us-east-1:000000000000:function:hello:2");

        using var badMarker = await rt.Http.GetAsync("/2015-03-31/functions/?Marker=garbage");
        await HttpAssert.ErrorAsync(badMarker, 400, "InvalidParameterValueException");
        using var badMax = await rt.Http.GetAsync("/2015-03-31/functions/?MaxItems=0");
        await HttpAssert.ErrorAsync(badMax, 400, "InvalidParameterValueException");
    }

    [Fact]
    public async Task List_versions_pages_with_latest_first()
    {
        await using var rt = await TestRuntime.StartAsync(o => o.Functions["hello"].Versions = ["1", "2", "3", "10"]);
        var versions = await ReadAllPagesAsync(rt, "/2015-03-31/functions/hello/versions", "Versions", 2);
        Assert.Equal(["$LATEST", "1", "2", "3", "10"], versions.Select(v => v.GetProperty("Version").GetString()!).ToArray());
        Assert.Equal("arn:aws:lambda:us-east-1:000000000000:function:hello:$LATEST", versions[0].GetProperty("FunctionArn").GetString());
        using var missing = await rt.Http.GetAsync("/2015-03-31/functions/nope/versions");
        await HttpAssert.ErrorAsync(missing, 404, "ResourceNotFoundException");
    }

    [Fact]
    public async Task List_aliases_pages_and_filters_by_version()
    {
        await using var rt = await TestRuntime.StartAsync(o => o.Functions["hello"].Aliases = new(StringComparer.Ordinal)
        {
            ["a"] = "1",
            ["b"] = "2",
            ["c"] = "2",
            ["d"] = "$LATEST",
        });
        var aliases = await ReadAllPagesAsync(rt, "/2015-03-31/functions/hello/aliases", "Aliases", 3);
        Assert.Equal(["a", "b", "c", "d"], aliases.Select(a => a.GetProperty("Name").GetString()!).ToArray());
        Assert.Equal("arn:aws:lambda:us-east-1:000000000000:function:hello:b", aliases[1].GetProperty("AliasArn").GetString());

        var onTwo = await ReadAllPagesAsync(rt, "/2015-03-31/functions/hello/aliases?FunctionVersion=2", "Aliases", 50);
        Assert.Equal(["b", "c"], onTwo.Select(a => a.GetProperty("Name").GetString()!).ToArray());

        using var alias = await rt.Http.GetAsync("/2015-03-31/functions/hello/aliases/d");
        Assert.Equal("$LATEST", (await HttpAssert.JsonAsync(alias)).GetProperty("FunctionVersion").GetString());
        using var missing = await rt.Http.GetAsync("/2015-03-31/functions/hello/aliases/zzz");
        await HttpAssert.ErrorAsync(missing, 404, "ResourceNotFoundException");
    }

    [Fact]
    public async Task Get_function_shows_configuration_code_and_reserved_concurrency()
    {
        await using var rt = await TestRuntime.StartAsync();
        using (var plain = await rt.Http.GetAsync("/2015-03-31/functions/hello"))
        {
            var body = await HttpAssert.JsonAsync(plain);
            Assert.Equal("$LATEST", body.GetProperty("Configuration").GetProperty("Version").GetString());
            Assert.Equal("S3", body.GetProperty("Code").GetProperty("RepositoryType").GetString());
            Assert.False(body.TryGetProperty("Concurrency", out _));
        }

        using (await rt.PutJsonAsync("/2017-10-31/functions/hello/concurrency", "{\"ReservedConcurrentExecutions\":7}"))
        {
        }

        using (var qualified = await rt.Http.GetAsync("/2015-03-31/functions/hello?Qualifier=live"))
        {
            var body = await HttpAssert.JsonAsync(qualified);
            Assert.Equal("2", body.GetProperty("Configuration").GetProperty("Version").GetString());
            Assert.Equal("arn:aws:lambda:us-east-1:000000000000:function:hello:live", body.GetProperty("Configuration").GetProperty("FunctionArn").GetString());
            Assert.Equal(7, body.GetProperty("Concurrency").GetProperty("ReservedConcurrentExecutions").GetInt32());
        }

        using var byArn = await rt.Http.GetAsync("/2015-03-31/functions/" + Uri.EscapeDataString("arn:aws:lambda:us-east-1:000000000000:function:hello:1"));
        Assert.Equal("1", (await HttpAssert.JsonAsync(byArn)).GetProperty("Configuration").GetProperty("Version").GetString());

        using var missingQualifier = await rt.Http.GetAsync("/2015-03-31/functions/hello?Qualifier=8");
        await HttpAssert.ErrorAsync(missingQualifier, 404, "ResourceNotFoundException");

        using var deleted = await rt.Http.DeleteAsync("/2017-10-31/functions/hello/concurrency");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var concurrency = await rt.Http.GetAsync("/2019-09-30/functions/hello/concurrency");
        Assert.False((await HttpAssert.JsonAsync(concurrency)).TryGetProperty("ReservedConcurrentExecutions", out _));
    }

    [Fact]
    public async Task Account_settings_subtract_reservations_from_the_limit()
    {
        await using var rt = await TestRuntime.StartAsync(o => o.AccountConcurrency = 50 + 100);
        using (await rt.PutJsonAsync("/2017-10-31/functions/hello/concurrency", "{\"ReservedConcurrentExecutions\":20}"))
        {
        }

        using (await rt.PutJsonAsync("/2017-10-31/functions/slow/concurrency", "{\"ReservedConcurrentExecutions\":5}"))
        {
        }

        using var response = await rt.Http.GetAsync("/2016-08-19/account-settings/");
        var body = await HttpAssert.JsonAsync(response);
        Assert.Equal(150, body.GetProperty("AccountLimit").GetProperty("ConcurrentExecutions").GetInt32());
        Assert.Equal(125, body.GetProperty("AccountLimit").GetProperty("UnreservedConcurrentExecutions").GetInt32());
        Assert.Equal(2, body.GetProperty("AccountUsage").GetProperty("FunctionCount").GetInt32());
    }
}
