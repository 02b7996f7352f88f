using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using WarmKeeper.Core.Validation;

namespace WarmKeeper.Core.Tests.Validation;

public sealed class JsonLimitsTests
{
    private static string Nested(int depth) => new StringBuilder().Insert(0, "{\"a\":", depth - 1).Append("{}").Append('}', depth - 1).ToString();

    private static ValidationErrors CheckBody(string json)
    {
        using var doc = JsonDocument.Parse(json, JsonLimits.ParseOptions);
        var errors = new ValidationErrors();
        JsonLimits.Check(doc.RootElement, string.Empty, errors);
        return errors;
    }

    [Fact]
    public void Depth_up_to_the_limit_passes_and_one_more_is_named_by_its_field()
    {
        Assert.True(CheckBody($$"""{"p":{{Nested(JsonLimits.MaxDepth - 1)}}}""").IsValid);
        var errors = CheckBody($$"""{"p":{{Nested(JsonLimits.MaxDepth)}},"q":1}""");
        Assert.Equal(["p"], errors.ToDictionary().Keys);
    }

    [Theory]
    [InlineData("""{"a":1,"a":2}""", "a")]
    [InlineData("""{"o":{"k":1,"k":1}}""", "o.k")]
    [InlineData("""{"s":"\ud800"}""", "s")]
    [InlineData("""{"l":["ok","\udc00"]}""", "l[1]")]
    public void Duplicate_keys_and_lone_surrogates_are_named(string json, string field) =>
        Assert.True(CheckBody(json).Has(field));

    [Fact]
    public void A_valid_surrogate_pair_passes() => Assert.True(CheckBody("""{"s":"\ud83d\ude00"}""").IsValid);

    [Theory]
    [InlineData(60)]
    [InlineData(200)]
    public void A_stored_document_deeper_than_today_accepts_still_reads_and_serializes(int depth)
    {
        var read = JsonLimits.ReadStored(Nested(depth));
        Assert.NotNull(read);
        Assert.Contains("\"a\"", JsonSerializer.Serialize(new { events = new[] { new { data = read } } }), StringComparison.Ordinal);
    }

    [Fact]
    public void A_stored_document_that_cannot_be_parsed_reads_as_a_note()
    {
        Assert.IsAssignableFrom<JsonValue>(JsonLimits.ReadStored("{\"a\":"));
        Assert.IsAssignableFrom<JsonValue>(JsonLimits.ReadStored(Nested(JsonLimits.ParseDepth + 10)));
    }
}
