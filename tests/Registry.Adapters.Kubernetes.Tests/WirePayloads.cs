namespace Registry.Adapters.Kubernetes.Tests;

/// <summary>The example objects of ../shared/wire/kubernetes.md §6 (list items, as the fake stores them).</summary>
internal static class WirePayloads
{
    public const string BillingSliceA = """
        {"metadata":{"name":"billing-7x2kq","generateName":"billing-","namespace":"shop","labels":{"app.kubernetes.io/name":"billing","endpointslice.kubernetes.io/managed-by":"endpointslice-controller.k8s.io","kubernetes.io/service-name":"billing"},"ownerReferences":[{"apiVersion":"v1","kind":"Service","name":"billing","uid":"0c9a3d52-8e41-4b6f-a1d2-5f7e6c3b2a10","controller":true,"blockOwnerDeletion":true}]},
         "addressType":"IPv4",
         "endpoints":[
           {"addresses":["10.244.1.17"],"conditions":{"ready":true,"serving":true,"terminating":false},"targetRef":{"kind":"Pod","namespace":"shop","name":"billing-6d9f7c8b5-k2x9p"},"nodeName":"node-a","zone":"us-east-1a","hints":{"forZones":[{"name":"us-east-1a"}]}},
           {"addresses":["10.244.2.31"],"conditions":{"ready":false,"serving":false,"terminating":false},"targetRef":{"kind":"Pod","namespace":"shop","name":"billing-6d9f7c8b5-q7mzt"},"nodeName":"node-b","zone":"us-east-1b"}],
         "ports":[{"name":"http","protocol":"TCP","port":8080,"appProtocol":"http"},{"name":"","protocol":"TCP","port":9090}]}
        """;

    public const string BillingSliceB = """
        {"metadata":{"name":"billing-v6l8d","generateName":"billing-","namespace":"shop","labels":{"endpointslice.kubernetes.io/managed-by":"endpointslice-controller.k8s.io","kubernetes.io/service-name":"billing"}},
         "addressType":"IPv4",
         "endpoints":[
           {"addresses":["10.244.3.9"],"conditions":{"ready":false,"serving":true,"terminating":true},"targetRef":{"kind":"Pod","namespace":"shop","name":"billing-5b8c9d7f4-zz81w"},"nodeName":"node-c","zone":"us-east-1c"},
           {"addresses":["10.244.3.14"],"conditions":{},"nodeName":"node-c","zone":"us-east-1c"}],
         "ports":[{"name":"http","protocol":"TCP","port":8081,"appProtocol":"http"},{"name":"","protocol":"TCP","port":9090}]}
        """;

    public const string BillingPlaceholder = """
        {"metadata":{"name":"billing-hq4rt","generateName":"billing-","namespace":"shop","labels":{"endpointslice.kubernetes.io/managed-by":"endpointslice-controller.k8s.io","kubernetes.io/service-name":"billing"}},
         "addressType":"IPv6","endpoints":null,"ports":null}
        """;

    public const string KubernetesDefault = """
        {"metadata":{"name":"kubernetes","namespace":"default","labels":{"kubernetes.io/service-name":"kubernetes"}},"addressType":"IPv4","endpoints":null,"ports":null}
        """;

    public const string Unlabelled = """
        {"metadata":{"name":"mirror-x","namespace":"shop","labels":{"endpointslice.kubernetes.io/managed-by":"someone-else"}},"addressType":"IPv4",
         "endpoints":[{"addresses":["10.9.9.9"]}],"ports":[{"name":"http","port":80}]}
        """;
}
