using Bunit;
using Microsoft.Extensions.DependencyInjection;
using WarmKeeper.Dashboard.Client;
using WarmKeeper.Dashboard.Components;

namespace WarmKeeper.Dashboard.Tests.Components;

public sealed class ConcurrencyPolicyFormTests : BunitContext
{
    private readonly FakeWarmKeeperClient _client = new();

    public ConcurrencyPolicyFormTests() => Services.AddSingleton<IWarmKeeperClient>(_client);

    [Fact]
    public void A_value_out_of_range_is_named_as_soon_as_the_field_is_left_with_the_Core_rule_and_nothing_is_sent()
    {
        var form = RenderForm(FakeWarmKeeperClient.Policy());

        form.Find("#f-targetUtilization").Change("5");

        Assert.Equal("targetUtilization must be between 0.1 and 0.9.", form.Find("ul.field-error[data-field=targetUtilization] li").TextContent);
        Assert.Equal("true", form.Find("#f-targetUtilization").GetAttribute("aria-invalid"));
        Assert.Contains("f-targetUtilization-error", form.Find("#f-targetUtilization").GetAttribute("aria-describedby"), StringComparison.Ordinal);
        Assert.Empty(_client.Sent);
    }

    [Fact]
    public void Text_where_a_number_belongs_is_named_and_untouched_fields_stay_quiet()
    {
        var form = RenderForm(FakeWarmKeeperClient.Policy());

        form.Find("#f-min").Change("a few");

        Assert.Equal("min must be a whole number.", form.Find("ul.field-error[data-field=min] li").TextContent);
        Assert.Single(form.FindAll("ul.field-error"));
    }

    [Fact]
    public void On_save_the_APIs_errors_are_shown_by_field_and_the_persons_values_stay()
    {
        _client.OnSave = (_, _) => new ApiOutcome<ConcurrencyPolicyInfo>(OutcomeStatus.Invalid, Title: "The request has 1 invalid field.",
            FieldErrors: new Dictionary<string, string[]> { ["qualifier"] = ["The function 'orders' has no version or alias 'blue'."] });
        var form = RenderForm(FakeWarmKeeperClient.Policy());

        form.Find("#f-qualifier").Input("blue");
        form.Find("form").Submit();

        Assert.Equal("The function 'orders' has no version or alias 'blue'.", form.Find("ul.field-error[data-field=qualifier] li").TextContent);
        Assert.Contains("The request has 1 invalid field.", form.Find("[data-outcome=Invalid]").TextContent, StringComparison.Ordinal);
        Assert.Equal("blue", form.Find("#f-qualifier").GetAttribute("value"));
        var (call, body, revision) = Assert.Single(_client.Sent);
        Assert.Equal(("update", "blue", 1L), (call, body!["qualifier"]!.GetValue<string>(), revision));
    }

    [Fact]
    public void What_the_person_typed_is_sent_as_typed_so_the_API_names_what_it_refuses()
    {
        _client.OnSave = (_, _) => new ApiOutcome<ConcurrencyPolicyInfo>(OutcomeStatus.Invalid);
        var form = RenderForm(FakeWarmKeeperClient.Policy());

        form.Find("#f-max").Input("twelve");
        form.Find("#f-burstThreshold").Input("2.5");
        form.Find("form").Submit();

        var body = Assert.Single(_client.Sent).Body!;
        Assert.Equal("twelve", body["max"]!.GetValue<string>());
        Assert.Equal(2.5, body["burstThreshold"]!.GetValue<double>());
        Assert.Equal("00:05:00", body["scaleInDelay"]!.GetValue<string>());
    }

    [Fact]
    public void A_stale_save_keeps_the_edit_shows_what_changed_and_can_be_saved_over_the_newer_revision()
    {
        var calls = 0;
        _client.Policies["orders-live"] = FakeWarmKeeperClient.Policy(revision: 2, max: 15);
        _client.OnSave = (body, revision) => ++calls == 1
            ? new ApiOutcome<ConcurrencyPolicyInfo>(OutcomeStatus.Stale)
            : ApiOutcome<ConcurrencyPolicyInfo>.Ok(FakeWarmKeeperClient.Policy(revision: revision!.Value + 1, max: int.Parse(body["max"]!.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture)));
        var form = RenderForm(FakeWarmKeeperClient.Policy(revision: 1));

        form.Find("#f-max").Input("12");
        form.Find("form").Submit();

        Assert.Contains("nothing was saved", form.Find("[data-outcome=Stale]").TextContent, StringComparison.Ordinal);
        Assert.Equal("12", form.Find("#f-max").GetAttribute("value"));
        var diff = form.Find("table.diff").TextContent;
        Assert.Contains("max", diff, StringComparison.Ordinal);
        Assert.Contains("15", diff, StringComparison.Ordinal);

        form.FindAll("button").Single(b => b.TextContent.StartsWith("Save mine over revision 2", StringComparison.Ordinal)).Click();

        Assert.Equal([1L, 2L], _client.Sent.Select(s => s.Revision!.Value));
        Assert.Contains("revision 3", form.Find("[data-outcome=Succeeded]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void A_read_only_person_gets_a_disabled_form_and_a_forced_submit_sends_nothing()
    {
        var form = RenderForm(FakeWarmKeeperClient.Policy(), canWrite: false);

        Assert.True(form.Find("fieldset[data-testid=policy-fields]").HasAttribute("disabled"));
        form.Find("form").Submit();

        Assert.NotNull(form.Find("[data-outcome=Forbidden]"));
        Assert.Empty(_client.Sent);
    }

    [Fact]
    public void A_new_policy_is_created_and_the_form_moves_on_to_its_revision()
    {
        ConcurrencyPolicyInfo? saved = null;
        var form = Render<ConcurrencyPolicyForm>(p => p
            .Add(f => f.CanWrite, true)
            .Add(f => f.Functions, _client.Functions)
            .Add(f => f.Saved, (ConcurrencyPolicyInfo s) => saved = s));

        form.Find("#f-id").Input("orders-live");
        form.Find("#f-function").Input("orders");
        form.Find("#f-qualifier").Input("live");
        form.Find("#f-max").Input("8");
        form.Find("form").Submit();

        Assert.Equal("create", Assert.Single(_client.Sent).Call);
        Assert.Equal(8, saved?.Max);
        Assert.Contains("Saved policy orders-live as revision 1", form.Find("[data-outcome=Succeeded]").TextContent, StringComparison.Ordinal);
        Assert.Contains("Save changes", form.Find("button[type=submit]").TextContent, StringComparison.Ordinal);
    }

    private IRenderedComponent<ConcurrencyPolicyForm> RenderForm(ConcurrencyPolicyInfo policy, bool canWrite = true) =>
        Render<ConcurrencyPolicyForm>(p => p
            .Add(f => f.Initial, policy)
            .Add(f => f.CanWrite, canWrite)
            .Add(f => f.Functions, _client.Functions));
}
