using Microsoft.Extensions.Options;

namespace WarmKeeper.Lambda.Tests;

public sealed class LambdaTargetOptionsValidatorTests
{
    [Fact]
    public void Valid_options_pass()
    {
        var options = new LambdaTargetOptions { Name = "prod-eu", Region = "eu-west-1" };

        Assert.Empty(LambdaTargetOptionsValidator.Validate(options));
        Assert.Equal(new Uri("https://lambda.eu-west-1.amazonaws.com/"), options.ResolveServiceUrl());
    }

    [Fact]
    public void Every_problem_is_listed_at_once_naming_its_field()
    {
        var options = new LambdaTargetOptions
        {
            Name = "bad name!",
            Region = "Europe",
            ServiceUrl = "ftp://example.com",
            AccessKeyId = "AKID",
            SessionToken = "token",
            Profile = "dev",
            RequestTimeout = TimeSpan.Zero,
            MaxRetries = 11,
            InvokeMaxRetries = -1,
            RetryBaseDelay = TimeSpan.FromSeconds(30),
            MaxRetryDelay = TimeSpan.FromSeconds(1),
            CircuitBreakerFailureRatio = 1.5,
            CircuitBreakerMinimumThroughput = 1,
            CircuitBreakerSamplingDuration = TimeSpan.FromMilliseconds(10),
            CircuitBreakerBreakDuration = TimeSpan.FromDays(2),
        };

        var errors = LambdaTargetOptionsValidator.Validate(options);

        foreach (var field in new[]
        {
            "Name", "Region", "ServiceUrl", "SecretAccessKey", "SessionToken", "Profile", "RequestTimeout", "MaxRetries",
            "InvokeMaxRetries", "MaxRetryDelay", "CircuitBreakerFailureRatio", "CircuitBreakerMinimumThroughput",
            "CircuitBreakerSamplingDuration", "CircuitBreakerBreakDuration",
        })
        {
            Assert.Contains(errors, e => e.Contains($": {field} ", StringComparison.Ordinal));
        }

        Assert.All(errors, e => Assert.StartsWith("Lambda target 'bad name!': ", e, StringComparison.Ordinal));
    }

    [Fact]
    public void Anonymous_cannot_be_combined_with_keys()
    {
        var errors = LambdaTargetOptionsValidator.Validate(new LambdaTargetOptions
        {
            Name = "local", Region = "us-east-1", Anonymous = true, AccessKeyId = "a", SecretAccessKey = "b",
        });

        Assert.Contains(errors, e => e.Contains(": Anonymous ", StringComparison.Ordinal));
    }

    [Fact]
    public void Creating_a_client_with_invalid_options_throws_one_exception_listing_everything()
    {
        var error = Assert.Throws<OptionsValidationException>(() => LambdaControlPlane.Create(new LambdaTargetOptions()));

        Assert.Contains(error.Failures, f => f.Contains(": Name is required", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains(": Region is required", StringComparison.Ordinal));
    }
}
