using System.Security.Claims;
using Microsoft.Extensions.Options;

namespace PushGateway.Security;

/// <summary>
/// Who may publish and subscribe where. Open (everything allowed) when no key is configured;
/// otherwise publishing needs a token whose <c>publish</c> patterns cover every target topic, and
/// subscribing to a private topic needs one whose <c>subscribe</c> patterns cover it.
/// </summary>
internal sealed class TopicAuthorizer(IOptions<AuthOptions> options)
{
    private readonly AuthOptions _options = options.Value;

    public bool Enabled => _options.Enabled;

    public bool IsPrivate(string topic) => Enabled && TopicPattern.MatchesAny(_options.PrivateTopics, topic);

    public AccessDecision CanPublish(ClaimsPrincipal user, IEnumerable<string> topics) =>
        Check(user, topics, claims => claims.Publish, onlyPrivate: false);

    public AccessDecision CanSubscribe(ClaimsPrincipal user, IEnumerable<string> topics) =>
        Check(user, topics, claims => claims.Subscribe, onlyPrivate: true);

    private AccessDecision Check(ClaimsPrincipal user, IEnumerable<string> topics, Func<GatewayClaims, IReadOnlyList<string>> patterns, bool onlyPrivate)
    {
        if (!Enabled)
        {
            return AccessDecision.Allowed;
        }

        var claims = GatewayClaims.From(user);
        foreach (var topic in topics)
        {
            if (onlyPrivate && !IsPrivate(topic))
            {
                continue;
            }

            if (user.Identity?.IsAuthenticated != true)
            {
                return new AccessDecision(AccessResult.Unauthenticated, topic);
            }

            if (!TopicPattern.MatchesAny(patterns(claims), topic))
            {
                return new AccessDecision(AccessResult.Forbidden, topic);
            }
        }

        return AccessDecision.Allowed;
    }
}
