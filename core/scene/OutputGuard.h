#pragma once
// No output may replace an input: the checks every writer of results runs before it writes.

#include <string>
#include <vector>

#include "core/scene/Scene.h"

namespace prithvi {

// Error(Usage) "<what> <outPath> is an input of this run (<band> of scene <id>): ..." when
// `outPath` is, or links to, a band file of one of `scenes`.
void refuseOutputOverSceneFiles(const std::string& outPath, const std::vector<Scene>& scenes, const std::string& what);

// Error(Usage) when `outPath` lies in the folder of a band file of one of `scenes`, where the
// next scan of that folder would take the output for imagery.
void refuseOutputBesideSceneFiles(const std::string& outPath, const std::vector<Scene>& scenes, const std::string& what);

}  // namespace prithvi
