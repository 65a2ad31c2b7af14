// Save-time checks of a flow's steps: known type, the type's fields, templates that parse, unique step names, and
// references to earlier steps only.
import { AppError } from '../core/errors.ts';
import { zodMessage } from '../core/zod-message.ts';
import type { FlowIn } from './model.ts';
import { stepTypes } from './steps/index.ts';
import { validateTemplate } from './template.ts';

export function validateSteps(steps: FlowIn['steps']): void {
  const seen = new Set<string>();
  steps.forEach((step, i) => {
    const where = `steps.${i} (${step.name})`;
    if (seen.has(step.name)) throw new AppError('ValidationFailed', `${where}: another step has the same name`);
    const type = stepTypes[step.type];
    if (!type)
      throw new AppError(
        'ValidationFailed',
        `${where}: unknown step type "${step.type}" (known: ${Object.keys(stepTypes).join(', ')})`,
      );
    const parsed = type.schema.safeParse(step);
    if (!parsed.success) throw new AppError('ValidationFailed', zodMessage(parsed.error, where));
    for (const [field, value] of Object.entries(step)) {
      if (typeof value !== 'string' || field === 'name' || field === 'type') continue;
      try {
        validateTemplate(value);
      } catch (err) {
        throw new AppError('ValidationFailed', `${where}.${field}: ${(err as Error).message}`);
      }
      for (const m of value.matchAll(/steps\.([A-Za-z][A-Za-z0-9_]*)/g)) {
        if (!seen.has(m[1] as string))
          throw new AppError(
            'ValidationFailed',
            `${where}.${field}: refers to step "${m[1]}", which does not come before it`,
          );
      }
    }
    seen.add(step.name);
  });
}
