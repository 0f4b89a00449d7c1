package dev.sluice.autoconfigure.pipeline;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.sluice.autoconfigure.actuate.SluiceEndpointContributor;
import dev.sluice.pipeline.Pipelines;
import dev.sluice.pipeline.StageStats;

/** Describes the pipelines for {@code /actuator/sluice}: the runs in progress and each stage's counters. */
class PipelineEndpointContributor implements SluiceEndpointContributor {

	private final Pipelines pipelines;

	PipelineEndpointContributor(Pipelines pipelines) {
		this.pipelines = pipelines;
	}

	@Override
	public String kind() {
		return "pipelines";
	}

	@Override
	public Map<String, Object> components() {
		Map<String, Object> byName = new LinkedHashMap<>();
		for (StageStats stage : this.pipelines.stages()) {
			@SuppressWarnings("unchecked")
			Map<String, Object> pipeline = (Map<String, Object>) byName.computeIfAbsent(stage.pipeline(),
					(name) -> newPipeline());
			Map<String, Object> stats = new LinkedHashMap<>();
			stats.put("workers", stage.workers());
			stats.put("itemsIn", stage.itemsIn());
			stats.put("itemsOut", stage.itemsOut());
			stats.put("timePerItem", stage.timePerItem().toString());
			stats.put("buffered", stage.buffered());
			@SuppressWarnings("unchecked")
			Map<String, Object> stages = (Map<String, Object>) pipeline.get("stages");
			stages.put(stage.stage(), stats);
		}
		for (Pipelines.RunningPipeline run : this.pipelines.running()) {
			@SuppressWarnings("unchecked")
			Map<String, Object> pipeline = (Map<String, Object>) byName.computeIfAbsent(run.name(),
					(name) -> newPipeline());
			@SuppressWarnings("unchecked")
			List<Object> runs = (List<Object>) pipeline.get("running");
			runs.add(Map.of("startedAt", run.startedAt(), "stages", run.stages()));
		}
		return byName;
	}

	private static Map<String, Object> newPipeline() {
		Map<String, Object> pipeline = new LinkedHashMap<>();
		pipeline.put("running", new ArrayList<>());
		pipeline.put("stages", new LinkedHashMap<>());
		return pipeline;
	}
}
