/** Mapping-verification targets the LLM tests share: real jaffle-shop models, as the mapper leaves them. */
import type { VerifyTarget } from '../server/src/engine/llm/features/verify';

/** `orders` mapped with low confidence to the wrong model (customers.sql), the right one second. */
export function lowOrdersNode(): VerifyTarget {
  return {
    node: {
      id: 'model.jaffle_shop.orders',
      operator: 'model',
      label: 'orders',
      detail: 'is_food_order, is_drink_order, customer_order_number',
    },
    mapping: {
      nodeId: 'model.jaffle_shop.orders',
      status: 'low',
      best: {
        file: 'models/marts/customers.sql',
        symbol: 'customers',
        startLine: 1,
        endLine: 58,
        confidence: 0.6,
        explanation: 'name overlap',
      },
      alternatives: [
        {
          file: 'models/marts/orders.sql',
          symbol: 'orders',
          startLine: 1,
          endLine: 77,
          confidence: 0.55,
          explanation: 'name overlap',
        },
      ],
    },
  };
}
