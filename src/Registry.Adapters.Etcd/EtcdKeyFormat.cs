namespace Registry.Adapters.Etcd;

/// <summary>How service instances are laid out in etcd.</summary>
public enum EtcdKeyFormat
{
    /// <summary>
    /// Key <c>{prefix}{service}/{instanceId}</c> (prefix <c>/mesh/services/</c>); the value is one instance as JSON in the
    /// shape of a <c>mesh-sync list --output json</c> instance (<c>id</c>, <c>host</c>, <c>ports</c>, <c>health</c>, <c>zone</c>, <c>tags</c>, <c>metadata</c>).
    /// </summary>
    Mesh = 0,

    /// <summary>
    /// go-kratos registrations: key <c>{prefix}{name}/{id}</c> (prefix <c>/microservices/</c>); the value is
    /// <c>{"id","name","version","metadata","endpoints":["http://host:port?isSecure=false","grpc://host:port"]}</c>.
    /// </summary>
    Kratos = 1,
}
