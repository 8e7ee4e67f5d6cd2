import type { ReactNode } from 'react';

type Tone = 'error' | 'warning' | 'info' | 'success';

const tones: Record<Tone, string> = {
  error: 'border-red-300 bg-red-50 text-red-900',
  warning: 'border-amber-300 bg-amber-50 text-amber-950',
  info: 'border-blue-200 bg-blue-50 text-blue-950',
  success: 'border-green-300 bg-green-50 text-green-900',
};

export interface AlertProps {
  tone: Tone;
  title?: ReactNode;
  children?: ReactNode;
  /** `alert` interrupts a screen reader, `status` waits its turn; none for static text. */
  role?: 'alert' | 'status';
  className?: string;
}

export function Alert({ tone, title, children, role, className = '' }: AlertProps) {
  return (
    <div role={role} className={`rounded-md border px-4 py-3 text-sm ${tones[tone]} ${className}`}>
      {title && <p className="font-semibold">{title}</p>}
      {children && <div className={title ? 'mt-1' : ''}>{children}</div>}
    </div>
  );
}
