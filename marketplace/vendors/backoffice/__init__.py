"""The vendor back office for products: the product list, editor, photos, and bulk stock and price updates.

Every operation starts from the signed-in vendor's own store (`vendors.services.store_of`,
`owned_product`): another vendor's product is simply not found.
"""
