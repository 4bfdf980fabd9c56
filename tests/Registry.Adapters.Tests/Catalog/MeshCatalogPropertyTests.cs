using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static Registry.Adapters.Tests.Catalog.CatalogTestKit;

namespace Registry.Adapters.Tests.Catalog;

/// <summary>
/// Random event sequences over three registries: after every event the incrementally maintained catalog equals the
/// catalog recomputed from scratch by a deliberately naive reference model of the merge rules.
/// </summary>
public sealed class MeshCatalogPropertyTests
{
    private static readonly string[] Registries = ["r0", "r1", "r2"];
    private static readonly int[] Priorities = [1, 0, 1];
    private static readonly string[] SourceNames = ["a", "A", "b", "c", "cc"];

    [Property(MaxTest = 300)]
    public Property Apply_RandomEvents_EqualsMergeFromScratch() =>
        Prop.ForAll(Arb.From(Gen.ListOf(OpGen).Select(static ops => ops.ToArray())), static ops => Check(ops));

    private static Gen<ServiceInstance> InstanceGen(string service) =>
        from id in Gen.Elements("1", "2", "3")
        from host in Gen.Elements("10.0.0.1", "10.0.0.2", "bad host")
        from port in Gen.Elements(80, 81)
        from health in Gen.Elements(HealthStatus.Healthy, HealthStatus.Unhealthy)
        select Instance(service, id, host, port, health);

    private static Gen<ServiceInstance[]> InstancesGen(string service) =>
        Gen.Choose(0, 3).SelectMany(n => InstanceGen(service).ArrayOf(n));

    private static Gen<Op> OpGen =>
        Gen.Frequency(
            (2, from r in Gen.Choose(0, 2)
                from services in Gen.SubListOf(SourceNames)
                from lists in Gen.CollectToArray(services, InstancesGen)
                select (Op)new SnapshotOp(r, [.. lists.SelectMany(static l => l)])),
            (6, from r in Gen.Choose(0, 2)
                from s in Gen.Elements(SourceNames)
                from instances in InstancesGen(s)
                select (Op)new ChangeOp(r, s, instances)),
            (1, Gen.Choose(0, 2).Select(static r => (Op)new FailOp(r))),
            (1, Gen.Choose(0, 2).Select(static r => (Op)new ConnectOp(r))));

    private static bool Check(Op[] ops)
    {
        var (catalog, _) = Create(static o =>
        {
            o.Services["b"] = new MeshServiceOptions { Merge = MergePolicy.Priority };
            o.Services["c*"] = new MeshServiceOptions { Merge = MergePolicy.Failover };
        });
        for (var i = 0; i < Registries.Length; i++)
        {
            catalog.AddRegistry(Registries[i], "memory", Priorities[i]);
        }

        var model = new Model();
        foreach (var op in ops)
        {
            var before = catalog.Current;
            var staleBefore = model.Stale[op.Registry];
            op.ApplyTo(catalog);
            op.ApplyTo(model);
            var after = catalog.Current;
            if (after.Revision != before.Revision + (ReferenceEquals(after, before) ? 0 : 1))
            {
                throw new InvalidOperationException($"revision {before.Revision} -> {after.Revision} after {op}");
            }

            var expected = model.Expected();
            var actual = after.GetServices().Select(Render).ToList();
            if (!expected.SequenceEqual(actual))
            {
                throw new InvalidOperationException($"after {op}:\nexpected {string.Join(" | ", expected)}\nactual   {string.Join(" | ", actual)}");
            }

            if (after.Conflicts.Length != model.ConflictCount())
            {
                throw new InvalidOperationException($"conflicts after {op}: {after.Conflicts.Length}");
            }

            if (op is ChangeOp change && !staleBefore)
            {
                foreach (var service in before.GetServices().Where(s => !string.Equals(s.Name, change.Service, StringComparison.OrdinalIgnoreCase)))
                {
                    if (!ReferenceEquals(after.Find(service.Name), service))
                    {
                        throw new InvalidOperationException($"untouched {service.Name} replaced after {op}");
                    }
                }
            }
        }

        return true;
    }

    private static string Render(MeshService service) =>
        $"{service.Name}/{service.Policy}: " + string.Join(", ", service.Instances.Select(static i =>
            $"{i.Registry}:{i.Instance.Id}@{i.Instance.Host}:{i.Instance.Ports[0].Port}:{i.Instance.Health}{(i.Stale ? ":stale" : "")}"));

    private abstract record Op(int Registry)
    {
        public abstract void ApplyTo(MeshCatalog catalog);

        public abstract void ApplyTo(Model model);

        protected static bool Valid(ServiceInstance instance) => ServiceInstanceValidator.Validate(instance) is null;

        protected static string Show(IEnumerable<ServiceInstance> instances) =>
            string.Join(",", instances.Select(static i => $"{i.Service}/{i.Id}@{i.Host}:{i.Ports[0].Port}:{i.Health}"));
    }

    private sealed record SnapshotOp(int Registry, ServiceInstance[] Instances) : Op(Registry)
    {
        public override void ApplyTo(MeshCatalog catalog) => catalog.Apply(Registries[Registry], Snapshot(true, Instances));

        public override void ApplyTo(Model model)
        {
            model.Data[Registry] = Instances.Where(Valid).GroupBy(static i => i.Service).ToDictionary(static g => g.Key, static g => g.ToArray());
            model.Synced[Registry] = true;
            model.Stale[Registry] = false;
        }

        public override string ToString() => $"snapshot {Registries[Registry]} [{Show(Instances)}]";
    }

    private sealed record ChangeOp(int Registry, string Service, ServiceInstance[] Instances) : Op(Registry)
    {
        public override void ApplyTo(MeshCatalog catalog) => catalog.Apply(Registries[Registry], Change(Service, Instances));

        public override void ApplyTo(Model model)
        {
            var valid = Instances.Where(Valid).ToArray();
            if (valid.Length == 0)
            {
                model.Data[Registry].Remove(Service);
            }
            else
            {
                model.Data[Registry][Service] = valid;
            }

            model.Stale[Registry] = false;
        }

        public override string ToString() => $"change {Registries[Registry]} {Service} [{Show(Instances)}]";
    }

    private sealed record FailOp(int Registry) : Op(Registry)
    {
        public override void ApplyTo(MeshCatalog catalog) =>
            catalog.Apply(Registries[Registry], new RegistryStateEvent(RegistryConnectionState.Retrying, "down"));

        public override void ApplyTo(Model model) => model.Stale[Registry] = model.Synced[Registry];

        public override string ToString() => $"fail {Registries[Registry]}";
    }

    private sealed record ConnectOp(int Registry) : Op(Registry)
    {
        public override void ApplyTo(MeshCatalog catalog) =>
            catalog.Apply(Registries[Registry], new RegistryStateEvent(RegistryConnectionState.Connected));

        public override void ApplyTo(Model model) => model.Stale[Registry] = false;

        public override string ToString() => $"connect {Registries[Registry]}";
    }

    /// <summary>The registries' raw data and flags; <see cref="Expected"/> merges it from scratch.</summary>
    private sealed class Model
    {
        public Dictionary<string, ServiceInstance[]>[] Data { get; } = [[], [], []];

        public bool[] Synced { get; } = new bool[3];

        public bool[] Stale { get; } = new bool[3];

        public int ConflictCount() =>
            Data.Sum(static d => d.Keys.GroupBy(static s => s.ToLowerInvariant()).Count(static g => g.Count() > 1));

        public List<string> Expected()
        {
            var order = Enumerable.Range(0, 3).OrderBy(static r => Priorities[r]).ThenBy(static r => Registries[r], StringComparer.Ordinal).ToArray();
            var names = Data.SelectMany(static d => d.Keys).Select(static s => s.ToLowerInvariant()).Distinct().Order(StringComparer.Ordinal);
            var result = new List<string>();
            foreach (var name in names)
            {
                var contributions = new List<MeshInstance[]>();
                foreach (var r in order)
                {
                    var owner = Data[r].Keys.Where(s => string.Equals(s, name, StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal).FirstOrDefault();
                    var instances = owner is null ? [] : Build(r, Data[r][owner]);
                    if (instances.Length > 0)
                    {
                        contributions.Add(instances);
                    }
                }

                if (contributions.Count == 0)
                {
                    continue;
                }

                var policy = name == "b" ? MergePolicy.Priority : name.StartsWith('c') ? MergePolicy.Failover : MergePolicy.Union;
                var selected = policy switch
                {
                    MergePolicy.Priority => [contributions[0]],
                    MergePolicy.Failover => [
                        contributions.FirstOrDefault(static c => c.Any(static i => i.Instance.Health == HealthStatus.Healthy && !i.Stale))
                        ?? contributions.FirstOrDefault(static c => c.Any(static i => i.Instance.Health == HealthStatus.Healthy))
                        ?? contributions[0]],
                    _ => contributions,
                };
                var kept = new List<MeshInstance>();
                foreach (var contribution in selected)
                {
                    var higher = kept.Select(static i => (i.Instance.Host, i.Instance.Ports[0].Port)).ToHashSet();
                    kept.AddRange(contribution.Where(i => !higher.Contains((i.Instance.Host, i.Instance.Ports[0].Port))));
                }

                result.Add(Render(new MeshService(name, [.. kept], policy)));
            }

            return result;
        }

        private MeshInstance[] Build(int registry, ServiceInstance[] raw) =>
            [.. raw.GroupBy(static i => i.Id)
                .Select(static g => g.First())
                .OrderBy(static i => i.Id, StringComparer.Ordinal)
                .Select(i => new MeshInstance(Registries[registry], i, null, Stale[registry]))];
    }
}
