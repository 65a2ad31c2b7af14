// An in-app link: a real <a href> (open in a new tab, copy the address, reach it with the keyboard) that navigates
// without a reload on a plain click, carrying the current instance (or `instance`).
import type { AnchorHTMLAttributes, MouseEvent } from 'react';
import { href, navigate, urlInstance } from './router.ts';

type Props = { to: string; instance?: string } & AnchorHTMLAttributes<HTMLAnchorElement>;

export function Link({ to, instance, onClick, ...rest }: Props) {
  const inst = instance ?? urlInstance() ?? undefined;
  const follow = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to, inst ? { instance: inst } : {});
  };
  return <a {...rest} href={href(to, inst)} onClick={follow} />;
}
