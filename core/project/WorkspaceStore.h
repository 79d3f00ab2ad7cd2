#pragma once
// What the app showed when a project was last open, kept in the project itself (table
// `workspaces`): a JSON document per named workspace ("main" for the main window). The store
// keeps text; the window decides what goes in it (ui/WorkspaceState).

#include <optional>
#include <string>

namespace prithvi {

class ProjectStore;

class WorkspaceStore {
 public:
  explicit WorkspaceStore(ProjectStore& project);
  // Replaces the named workspace in one write transaction. Error(BadInput) for text that is
  // not a JSON object (a half-written state is never stored).
  void save(const std::string& name, const std::string& json);
  // The saved JSON, or nullopt when the project has none of that name.
  std::optional<std::string> load(const std::string& name);

 private:
  ProjectStore& mProject;
};

}  // namespace prithvi
