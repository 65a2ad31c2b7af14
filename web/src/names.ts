// Human names for machine ids shown to people: triggers and flow step types. Unknown ids are shown as they are, so
// that a trigger or step type the server adds later still appears.

const triggerNamesText: Record<string, string> = {
  'datasource-refresh-failed': 'When a data source refresh fails',
  'datasource-refresh-succeeded': 'When a data source refresh succeeds',
  'segment-threshold-crossed': 'When a segment crosses a threshold',
  'measure-threshold-crossed': 'When a measure crosses a threshold',
  'full-refresh-completed': 'When a full refresh completes',
  'unification-completed': 'When unification completes',
  'segment-membership-changed': 'When customers enter or leave a segment',
};

const stepNamesText: Record<string, string> = {
  'teams.postMessage': 'Microsoft Teams: post a message',
  'slack.postMessage': 'Slack: post a message',
  'email.send': 'E-mail: send',
  'http.request': 'HTTP: call an endpoint',
  'data.getItems': 'Data: get items from an entity',
};

export const triggerLabel = (name: string): string => triggerNamesText[name] ?? name;
export const stepLabel = (type: string): string => stepNamesText[type] ?? type;
