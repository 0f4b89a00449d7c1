package dev.sluice.autoconfigure.pipeline;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.sluice.autoconfigure.actuate.SluiceEndpointContributor;
import dev.sluice.pipeline.Pipelines;
import dev.sluice.pipeline.StageStats;

/**
 * Shows the named pipelines in {@code /actuator/sluice}: each stage's counters, and the
 * runs under way.
 */
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
		Map<String, PipelineView> byName = new LinkedHashMap<>();
		for (StageStats stage : this.pipelines.stages()) {
			byName.computeIfAbsent(stage.pipeline(), (name) -> new PipelineView()).stages.put(stage.stage(), stage);
		}
		for (Pipelines.RunningPipeline run : this.pipelines.running()) {
			byName.computeIfAbsent(run.name(), (name) -> new PipelineView()).running.add(run);
		}
		return new LinkedHashMap<>(byName);
	}

	/** A pipeline: its runs under way, and its stages' counters over every run. */
	record PipelineView(List<Pipelines.RunningPipeline> running, Map<String, StageStats> stages) {

		PipelineView() {
			this(new ArrayList<>(), new LinkedHashMap<>());
		}
	}

}
