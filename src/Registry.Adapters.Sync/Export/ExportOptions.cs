using System.CommandLine;
using Registry.Adapters.Kubernetes.Istio;

namespace Registry.Adapters.Sync.Export;

/// <summary>The options of <c>mesh-sync export istio</c> beyond the shared registry options.</summary>
internal sealed class ExportOptions
{
    public Option<string?> Output { get; } = CreateOutput();

    public Option<string[]> Service { get; } = new("--service")
    {
        Description = "Only mesh services matching this glob (* and ?, case-insensitive); repeatable. The default is every service.",
        HelpName = "GLOB",
        Arity = ArgumentArity.OneOrMore,
        AllowMultipleArgumentsPerToken = false,
    };

    public Option<string[]> Exclude { get; } = new("--exclude")
    {
        Description = "Leaves out mesh services matching this glob; repeatable.",
        HelpName = "GLOB",
        Arity = ArgumentArity.OneOrMore,
        AllowMultipleArgumentsPerToken = false,
    };

    public Option<string[]> From { get; } = new("--from")
    {
        Description = "Only instances from this registry (by name); repeatable. The default is every registry.",
        HelpName = "REGISTRY",
        Arity = ArgumentArity.OneOrMore,
        AllowMultipleArgumentsPerToken = false,
    };

    public Option<bool> OnlyHealthy { get; } = new("--only-healthy")
    {
        Description = "Only healthy instances. The default is every instance whatever its health (unhealthy ones carry a registry-adapters.io/health label).",
    };

    public Option<string> HostTemplate { get; } = new("--host-template")
    {
        Description = "The host of each ServiceEntry; {service} is the mesh name. Must give DNS-1123 names. The default is {service}.mesh.",
        HelpName = "TEMPLATE",
        DefaultValueFactory = static _ => "{service}.mesh",
    };

    public Option<string?> Location { get; } = CreateLocation();

    public Option<string?> Namespace { get; } = new("--namespace", "-n")
    {
        Description = "The namespace of every object. The default is none (kubectl applies to its current namespace).",
        HelpName = "NAMESPACE",
    };

    public Option<string> SyncId { get; } = new("--sync-id")
    {
        Description = "The sync id in the ownership labels (a DNS label). The default is mesh-sync.",
        HelpName = "ID",
        DefaultValueFactory = static _ => "mesh-sync",
    };

    public Option<int?> Weight { get; } = new("--weight")
    {
        Description = "The load-balancing weight of every endpoint (an instance's 'weight' metadata wins). The default is none.",
        HelpName = "N",
    };

    public Option<string?> Region { get; } = new("--region")
    {
        Description = "The locality region of instances whose zone names none (neither 'region' metadata nor a cloud zone such as us-east-1a).",
        HelpName = "REGION",
    };

    public Option<bool> WorkloadEntries { get; } = new("--workload-entries")
    {
        Description = "Writes endpoints as standalone WorkloadEntry objects and a workloadSelector (always done past 4096 endpoints).",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Output);
        command.Options.Add(Service);
        command.Options.Add(Exclude);
        command.Options.Add(From);
        command.Options.Add(OnlyHealthy);
        command.Options.Add(HostTemplate);
        command.Options.Add(Location);
        command.Options.Add(Namespace);
        command.Options.Add(SyncId);
        command.Options.Add(Weight);
        command.Options.Add(Region);
        command.Options.Add(WorkloadEntries);
    }

    /// <summary>The mapping options; usage errors name the option.</summary>
    /// <exception cref="CliUsageException">An option's value is invalid.</exception>
    public IstioMappingOptions ToMapping(ParseResult result)
    {
        var template = result.GetValue(HostTemplate) ?? "{service}.mesh";
        if (!template.Contains(IstioMappingOptions.ServicePlaceholder, StringComparison.Ordinal))
        {
            throw new CliUsageException($"--host-template: '{template}' has no {{service}}; every ServiceEntry would get the same host.");
        }

        var syncId = result.GetValue(SyncId) ?? "mesh-sync";
        if (!IsDnsLabel(syncId))
        {
            throw new CliUsageException($"--sync-id: '{ServiceInstanceValidator.Printable(syncId, 64)}' is not a DNS label (1 to 63 of a-z, 0-9 and '-', starting and ending alphanumeric).");
        }

        var ns = result.GetValue(Namespace);
        if (ns is not null && !IsDnsLabel(ns))
        {
            throw new CliUsageException($"--namespace: '{ServiceInstanceValidator.Printable(ns, 64)}' is not a namespace name (a DNS label).");
        }

        var weight = result.GetValue(Weight);
        if (weight is < 1)
        {
            throw new CliUsageException($"--weight: {weight} is not a positive weight.");
        }

        var region = result.GetValue(Region);
        if (region is not null && (region.Length == 0 || region.Contains('/', StringComparison.Ordinal)))
        {
            throw new CliUsageException($"--region: '{ServiceInstanceValidator.Printable(region, 64)}' is not a region name (non-empty, no '/').");
        }

        return new IstioMappingOptions
        {
            HostTemplate = template,
            Location = result.GetValue(Location) == "MESH_EXTERNAL" ? IstioLocation.MeshExternal : IstioLocation.MeshInternal,
            Namespace = ns,
            SyncId = syncId,
            Weight = weight,
            DefaultRegion = region,
            WorkloadEntries = result.GetValue(WorkloadEntries),
        };
    }

    private static bool IsDnsLabel(string value) =>
        value.Length is > 0 and <= 63 && value[0] != '-' && value[^1] != '-'
        && value.All(static c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-');

    private static Option<string?> CreateOutput()
    {
        var option = new Option<string?>("--output", "-o")
        {
            Description = "yaml (one document per object, for kubectl apply -f) or json (a v1 List). The default is yaml.",
            HelpName = "yaml|json",
        };
        option.Validators.Add(static result =>
        {
            var value = result.Tokens.Count > 0 ? result.Tokens[^1].Value : null;
            if (value is not null and not "yaml" and not "json")
            {
                result.AddError($"--output: '{value}' is not one of yaml, json.");
            }
        });
        return option;
    }

    private static Option<string?> CreateLocation()
    {
        var option = new Option<string?>("--location")
        {
            Description = "MESH_INTERNAL (the default: workloads in the mesh, with mTLS) or MESH_EXTERNAL.",
            HelpName = "MESH_INTERNAL|MESH_EXTERNAL",
        };
        option.Validators.Add(static result =>
        {
            var value = result.Tokens.Count > 0 ? result.Tokens[^1].Value : null;
            if (value is not null and not "MESH_INTERNAL" and not "MESH_EXTERNAL")
            {
                result.AddError($"--location: '{value}' is not one of MESH_INTERNAL, MESH_EXTERNAL.");
            }
        });
        return option;
    }
}
