using WarmKeeper.Lambda.Wire;

namespace WarmKeeper.LocalRuntime.Engine;

/// <summary>ListTags, TagResource and UntagResource: tags of a function, addressed by its unqualified ARN as Lambda requires.</summary>
public sealed partial class LocalLambdaEngine
{
    private readonly FunctionTags _tags = new();

    public ListTagsResponse ListTags(string resource) =>
        new() { Tags = _tags.Get(FindTaggable(resource).Definition) };

    public void TagResource(string resource, IReadOnlyDictionary<string, string>? tags)
    {
        var fn = FindTaggable(resource);
        if (tags is null)
        {
            throw new LambdaApiException(LambdaApiError.InvalidParameter(
                "1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null"));
        }

        if (_tags.Add(fn.Definition, tags) is { } problem)
        {
            throw new LambdaApiException(LambdaApiError.InvalidParameter(problem));
        }
    }

    public void UntagResource(string resource, IReadOnlyList<string>? tagKeys)
    {
        var fn = FindTaggable(resource);
        if (tagKeys is null || tagKeys.Count == 0)
        {
            throw new LambdaApiException(LambdaApiError.InvalidParameter(
                "1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null"));
        }

        _tags.Remove(fn.Definition, tagKeys);
    }

    private IReadOnlyDictionary<string, string> TagsOf(FunctionRuntime fn) => _tags.Get(fn.Definition);

    /// <summary>The function a tagging call names: a function ARN of this account and region, without a qualifier.</summary>
    private FunctionRuntime FindTaggable(string resource)
    {
        LambdaNames.RequireFunctionArn(resource, "resource");
        var parts = resource.Split(':');
        if (parts.Length > 7)
        {
            throw new LambdaApiException(LambdaApiError.InvalidParameter(
                "Tags on function aliases and versions are not supported. Please specify a function ARN."));
        }

        // arn:partition:lambda:region:account:function:name; another account or region holds no function of ours.
        if (parts[3] != Options.Region || parts[4] != Options.AccountId || !_functions.TryGetValue(parts[6], out var fn))
        {
            throw new LambdaApiException(LambdaApiError.FunctionNotFound(resource));
        }

        return fn;
    }
}
