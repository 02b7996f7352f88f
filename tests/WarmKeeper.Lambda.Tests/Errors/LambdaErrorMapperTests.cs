using System.Net;
using System.Net.Http.Headers;
using System.Text;
using WarmKeeper.Lambda.Wire;

namespace WarmKeeper.Lambda.Tests.Errors;

public sealed class LambdaErrorMapperTests
{
    [Theory]
    [InlineData(429, "TooManyRequestsException", typeof(LambdaThrottledException))]
    [InlineData(404, "ResourceNotFoundException", typeof(LambdaResourceNotFoundException))]
    [InlineData(400, "InvalidParameterValueException", typeof(LambdaInvalidParameterException))]
    [InlineData(400, "InvalidRequestContentException", typeof(LambdaInvalidRequestContentException))]
    [InlineData(413, "RequestTooLargeException", typeof(LambdaRequestTooLargeException))]
    [InlineData(409, "ResourceConflictException", typeof(LambdaResourceConflictException))]
    [InlineData(404, "ProvisionedConcurrencyConfigNotFoundException", typeof(ProvisionedConcurrencyConfigNotFoundException))]
    [InlineData(403, "InvalidSignatureException", typeof(LambdaAuthenticationException))]
    [InlineData(403, "UnrecognizedClientException", typeof(LambdaAuthenticationException))]
    [InlineData(403, "MissingAuthenticationTokenException", typeof(LambdaAuthenticationException))]
    [InlineData(500, "ServiceException", typeof(LambdaServiceException))]
    [InlineData(502, "EC2ThrottledException", typeof(LambdaServiceException))]
    public void The_error_type_header_picks_the_exception(int status, string type, Type expected)
    {
        var error = LambdaErrorMapper.Map((HttpStatusCode)status, type, """{"Type":"User","message":"m"}"""u8, "rid", null);

        Assert.IsType(expected, error);
        Assert.Equal(type, error.ErrorType);
        Assert.Equal("m", error.Message);
        Assert.Equal("rid", error.RequestId);
        Assert.Equal((HttpStatusCode)status, error.StatusCode);
    }

    [Fact]
    public void A_type_with_a_documentation_url_or_namespace_is_trimmed()
    {
        Assert.Equal(LambdaErrorTypes.ResourceNotFound,
            LambdaErrorMapper.Map(HttpStatusCode.NotFound, "ResourceNotFoundException:http://internal.amazon.com/coral/com.amazonaws.awslambda/", [], null, null).ErrorType);
        Assert.IsType<LambdaResourceConflictException>(
            LambdaErrorMapper.Map(HttpStatusCode.Conflict, "com.amazonaws.lambda#ResourceConflictException", [], null, null));
    }

    [Fact]
    public void Without_a_header_the_body_type_and_capitalized_message_are_used()
    {
        var error = LambdaErrorMapper.Map(HttpStatusCode.NotFound, null,
            """{"Type":"ResourceNotFoundException","Message":"Function not found: arn:aws:lambda:us-east-1:1:function:f"}"""u8, null, null);

        Assert.IsType<LambdaResourceNotFoundException>(error);
        Assert.StartsWith("Function not found", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_throttle_keeps_reason_and_retry_after()
    {
        var error = Assert.IsType<LambdaThrottledException>(LambdaErrorMapper.Map(
            HttpStatusCode.TooManyRequests, "TooManyRequestsException",
            """{"Type":"User","message":"Rate Exceeded.","Reason":"ReservedFunctionConcurrentInvocationLimitExceeded"}"""u8,
            null, TimeSpan.FromSeconds(3)));

        Assert.Equal(ThrottleReasons.ReservedFunctionConcurrentInvocationLimitExceeded, error.Reason);
        Assert.Equal(TimeSpan.FromSeconds(3), error.RetryAfter);
        Assert.True(error.IsTransient);
    }

    [Fact]
    public void A_proxy_page_without_json_still_gives_a_typed_error_with_its_text()
    {
        var error = LambdaErrorMapper.Map(HttpStatusCode.ServiceUnavailable, null, Encoding.UTF8.GetBytes("<html>upstream down</html>"), null, null);

        Assert.Equal(LambdaErrorTypes.Service, error.ErrorType);
        Assert.Equal("<html>upstream down</html>", error.Message);
        Assert.True(error.IsTransient);
        Assert.IsType<LambdaThrottledException>(LambdaErrorMapper.Map(HttpStatusCode.TooManyRequests, null, [], null, null));
    }

    [Fact]
    public void Retry_after_reads_seconds_and_dates()
    {
        var now = new DateTimeOffset(2026, 11, 27, 8, 0, 0, TimeSpan.Zero);

        Assert.Equal(TimeSpan.FromSeconds(5), LambdaErrorMapper.ParseRetryAfter(new RetryConditionHeaderValue(TimeSpan.FromSeconds(5)), now));
        Assert.Equal(TimeSpan.FromSeconds(30), LambdaErrorMapper.ParseRetryAfter(new RetryConditionHeaderValue(now.AddSeconds(30)), now));
        Assert.Equal(TimeSpan.Zero, LambdaErrorMapper.ParseRetryAfter(new RetryConditionHeaderValue(now.AddSeconds(-30)), now));
        Assert.Null(LambdaErrorMapper.ParseRetryAfter(null, now));
    }
}
