package io.outrigger.controlplane.bench;

import io.outrigger.controlplane.generate.ProxyConfigGenerator;
import io.outrigger.controlplane.generate.ProxyResources;
import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.model.MeshSettings;
import io.outrigger.controlplane.model.ProxyNode;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Config generation cost at the load harness's scale (1,000 services). Baseline: {@code unshared}, a fresh
 * generator per proxy, i.e. building every resource for every proxy as a generator without sharing would.
 * {@code shared}: the next proxy of the same snapshot, the steady state of a push to every proxy.
 * {@code newSnapshot}: the first proxy after one endpoint moved (snapshots alternate), which pays for the new
 * shared part: every target re-checked, the two assignments holding the endpoint rebuilt, the rest reused.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class GenerationBenchmark {
    @Param("1000")
    int services;

    private final MeshSettings settings = MeshSettings.defaults();
    private MeshConfig[] snapshots;
    private List<ProxyNode> proxies;
    private ProxyConfigGenerator warm;
    private int next;

    @Setup
    public void setUp() {
        snapshots = new MeshConfig[] {
                SyntheticMesh.build(services, 1, -1), SyntheticMesh.build(services, 2, services / 2)};
        proxies = snapshots[0].workloads().stream().map(ProxyNode::sidecar).toList();
        warm = new ProxyConfigGenerator(settings);
    }

    private ProxyNode nextProxy() {
        next = (next + 1) % proxies.size();
        return proxies.get(next);
    }

    @Benchmark
    public ProxyResources shared() {
        return warm.generate(snapshots[0], nextProxy());
    }

    @Benchmark
    public ProxyResources unshared() {
        return new ProxyConfigGenerator(settings).generate(snapshots[0], nextProxy());
    }

    @Benchmark
    public ProxyResources newSnapshot() {
        MeshConfig snapshot = snapshots[next % 2];
        return warm.generate(snapshot, nextProxy());
    }
}
